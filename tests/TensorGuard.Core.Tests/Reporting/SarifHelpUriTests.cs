using System.Text.Json;
using System.Text.RegularExpressions;
using TensorGuard.Core.Reporting;
using TensorGuard.ModelFactory;

namespace TensorGuard.Core.Tests.Reporting;

public sealed class SarifHelpUriTests
{
    [Fact]
    public void HelpUri_EveryRule_PointsAtAnAnchorTheReadmeHas()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryFiles.Root, "README.md"));
        HashSet<string> anchors = [.. Regex.Matches(readme, "<a id=\"([^\"]+)\"></a>").Select(m => m.Groups[1].Value)];
        using var sarif = JsonDocument.Parse(SarifReport.Render(ReportSnapshotTests.Sample()));

        string[] fragments = [.. sarif.RootElement.GetProperty("runs")[0].GetProperty("tool").GetProperty("driver").GetProperty("rules")
            .EnumerateArray().Select(rule => new Uri(rule.GetProperty("helpUri").GetString()!).Fragment.TrimStart('#'))];

        Assert.Equal(RuleCatalog.All.Count, fragments.Length);
        Assert.All(fragments, fragment => Assert.Contains(fragment, anchors));
    }
}
