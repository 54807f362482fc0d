using System.Reflection;
using System.Xml.Linq;
using TensorGuard.Core.Gate;

namespace TensorGuard.Core.Tests.Build;

/// <summary>TensorGuard.Core is a library others embed: every public type says what it is in its XML docs.</summary>
public sealed class PublicApiDocumentationTests
{
    [Fact]
    public void EveryPublicType_HasASummaryInThePackedXmlDocs()
    {
        Assembly core = typeof(CheckPipeline).Assembly;
        string documentation = Path.ChangeExtension(core.Location, ".xml");
        Assert.True(File.Exists(documentation), $"{documentation} is missing: GenerateDocumentationFile must stay on for TensorGuard.Core");
        HashSet<string> summarised = XDocument.Load(documentation).Descendants("member")
            .Where(member => !string.IsNullOrWhiteSpace(member.Element("summary")?.Value))
            .Select(member => (string)member.Attribute("name")!)
            .ToHashSet(StringComparer.Ordinal);

        string[] undocumented = core.GetExportedTypes()
            .Select(type => $"T:{type.FullName!.Replace('+', '.')}")
            .Where(id => !summarised.Contains(id))
            .Order(StringComparer.Ordinal)
            .ToArray();

        Assert.True(undocumented.Length == 0, $"public types without a <summary>:\n{string.Join('\n', undocumented)}");
    }
}
