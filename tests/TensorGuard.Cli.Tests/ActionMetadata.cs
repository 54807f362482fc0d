using TensorGuard.ModelFactory;
using YamlDotNet.RepresentationModel;

namespace TensorGuard.Cli.Tests;

/// <summary>The parts of action.yml the tests compare with the code.</summary>
internal sealed record ActionMetadata(
    IReadOnlyDictionary<string, (bool Required, string? Default)> Inputs,
    IReadOnlyList<string> Outputs,
    string Using,
    string Image,
    IReadOnlyList<string> Args)
{
    public static ActionMetadata Load()
    {
        var yaml = new YamlStream();
        using (var reader = new StringReader(File.ReadAllText(Path.Combine(RepositoryFiles.Root, "action.yml"))))
        {
            yaml.Load(reader);
        }

        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var inputs = ((YamlMappingNode)root["inputs"]).Children.ToDictionary(
            entry => ((YamlScalarNode)entry.Key).Value!,
            entry =>
            {
                var input = (YamlMappingNode)entry.Value;
                bool required = input.Children.TryGetValue("required", out YamlNode? r) && ((YamlScalarNode)r).Value == "true";
                string? fallback = input.Children.TryGetValue("default", out YamlNode? d) ? ((YamlScalarNode)d).Value : null;
                return (required, fallback);
            });
        string[] outputs = ((YamlMappingNode)root["outputs"]).Children.Keys.Select(key => ((YamlScalarNode)key).Value!).ToArray();
        var runs = (YamlMappingNode)root["runs"];
        string[] args = ((YamlSequenceNode)runs["args"]).Children.Select(node => ((YamlScalarNode)node).Value!).ToArray();
        return new ActionMetadata(inputs, outputs, ((YamlScalarNode)runs["using"]).Value!, ((YamlScalarNode)runs["image"]).Value!, args);
    }
}
