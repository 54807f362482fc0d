using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace TensorGuard.ModelFactory;

/// <summary>
/// A Hugging Face model card (<c>README.md</c>): YAML front matter with the declared identity, then free
/// text (e.g. "Built with Llama"). Every field is optional so tests can omit or falsify any of them.
/// </summary>
public sealed partial record ModelCard
{
    /// <summary>Hub license id, e.g. <c>apache-2.0</c>, <c>llama3.1</c>, <c>other</c>.</summary>
    public string? License { get; init; }

    /// <summary>With <c>license: other</c>: the license's short name, e.g. <c>qwen-research</c>.</summary>
    public string? LicenseName { get; init; }

    /// <summary>With <c>license: other</c>: where the license text lives.</summary>
    public string? LicenseLink { get; init; }

    /// <summary>Declared base model ids; one is written as a string, several as a list (a merge).</summary>
    public IReadOnlyList<string> BaseModel { get; init; } = [];

    /// <summary><c>finetune</c>, <c>adapter</c>, <c>merge</c> or <c>quantized</c>.</summary>
    public string? BaseModelRelation { get; init; }

    /// <summary>The model's declared name.</summary>
    public string? ModelName { get; init; }

    /// <summary>Hub tags.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Markdown after the front matter.</summary>
    public string Body { get; init; } = "";

    /// <summary>The <c>README.md</c> text.</summary>
    public string Render()
    {
        var text = new StringBuilder("---\n");
        AppendScalar(text, "license", License);
        AppendScalar(text, "license_name", LicenseName);
        AppendScalar(text, "license_link", LicenseLink);
        if (BaseModel.Count == 1)
        {
            AppendScalar(text, "base_model", BaseModel[0]);
        }
        else
        {
            AppendList(text, "base_model", BaseModel);
        }

        AppendScalar(text, "base_model_relation", BaseModelRelation);
        AppendScalar(text, "model_name", ModelName);
        AppendList(text, "tags", Tags);
        text.Append("---\n");
        if (Body.Length > 0)
        {
            text.Append('\n').Append(Body.TrimEnd('\n')).Append('\n');
        }

        return text.ToString();
    }

    private static void AppendScalar(StringBuilder text, string key, string? value)
    {
        if (value is not null)
        {
            text.Append(key).Append(": ").Append(Yaml(value)).Append('\n');
        }
    }

    private static void AppendList(StringBuilder text, string key, IReadOnlyList<string> values)
    {
        if (values.Count == 0)
        {
            return;
        }

        text.Append(key).Append(":\n");
        foreach (string value in values)
        {
            text.Append("- ").Append(Yaml(value)).Append('\n');
        }
    }

    // Plain scalars where YAML reads them back as the same string; JSON-quoted (valid YAML) otherwise.
    private static string Yaml(string value) =>
        PlainScalar().IsMatch(value) && !YamlKeyword().IsMatch(value) ? value : JsonSerializer.Serialize(value);

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9._/-]*$")]
    private static partial Regex PlainScalar();

    [GeneratedRegex("^(?i:true|false|yes|no|on|off|null|y|n)$")]
    private static partial Regex YamlKeyword();
}
