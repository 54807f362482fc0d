using System.Globalization;
using System.Text;
using TensorGuard.Core.Compliance;
using TensorGuard.Core.Fingerprints.Lineage;

namespace TensorGuard.Core.Reporting;

/// <summary>
/// The lineage of a check as a Mermaid flowchart, which GitHub renders in pull-request comments and job summaries:
/// bases on the left, checked artifacts on the right coloured by status. A solid arrow is proven descent (labelled
/// with the evidence level, similarity and p-value); a plain line is resemblance only (the classifier's nearest base,
/// never proof); a dashed arrow is a declared base the lineage test refutes. Past <see cref="MaxArtifacts"/> artifacts
/// the graph would be unreadable and eat the comment's size budget, so it is left out and the table above stands.
/// </summary>
public static class MermaidLineage
{
    public const int MaxArtifacts = 50;

    /// <returns>A fenced <c>mermaid</c> block, a one-line note when there are too many artifacts, or empty when there is nothing to draw.</returns>
    public static string Render(CheckResult result)
    {
        if (result.Artifacts.Count == 0)
        {
            return string.Empty;
        }

        if (result.Artifacts.Count > MaxArtifacts)
        {
            return Invariant($"The lineage graph is drawn for up to {MaxArtifacts} models; this run checked {result.Artifacts.Count}, so the table above lists each model's lineage instead.\n");
        }

        var bases = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var edges = new List<string>();
        var nodes = new StringBuilder();
        for (int index = 0; index < result.Artifacts.Count; index++)
        {
            ArtifactResult artifact = result.Artifacts[index];
            string node = $"a{index}";
            nodes.Append("  ").Append(node).Append("[\"").Append(Label(result.Display(artifact.Path))).Append("\"]:::").Append(ReportText.Word(artifact.Status)).Append('\n');
            if (artifact.Detected is { } detected)
            {
                Edges(artifact, detected, node, name => BaseNode(bases, name), edges);
            }
        }

        var graph = new StringBuilder("```mermaid\nflowchart LR\n");
        foreach ((string name, string node) in bases)
        {
            graph.Append("  ").Append(node).Append("[\"").Append(Label(name)).Append("\"]:::base\n");
        }

        graph.Append(nodes);
        foreach (string edge in edges)
        {
            graph.Append("  ").Append(edge).Append('\n');
        }

        graph.Append("  classDef base fill:#eef2ff,stroke:#4f46e5\n")
             .Append("  classDef compliant fill:#dcfce7,stroke:#16a34a\n")
             .Append("  classDef findings fill:#fef9c3,stroke:#ca8a04\n")
             .Append("  classDef violation fill:#fee2e2,stroke:#dc2626\n")
             .Append("  classDef unreadable fill:#f3f4f6,stroke:#6b7280,stroke-dasharray:4 2\n")
             .Append("```\n");
        return graph.ToString();
    }

    private static void Edges(ArtifactResult artifact, DetectedLineage detected, string node, Func<string, string> baseNode, List<string> edges)
    {
        if (detected.Level.ProvesDerivation() && detected.Base is { } proven)
        {
            foreach (string name in new[] { proven.Name }.Concat(detected.MergedFrom.Select(b => b.Name)))
            {
                LineageTest? test = Test(detected, name);
                edges.Add($"{baseNode(name)} -->|\"{(test is null ? detected.Level.Token() : TestLabel(test))}\"| {node}");
            }
        }
        else if (detected.Level == EvidenceLevel.Resembles && detected.Base is { } likely && detected.Source.Nearest is { } nearest)
        {
            string label = Invariant($"resembles · classifier distance {nearest.Distance:0.00}");
            if (Test(detected, likely.Name) is { } inconclusive)
            {
                label += " · " + TestLabel(inconclusive);
            }

            edges.Add($"{baseNode(likely.Name)} ---|\"{label}\"| {node}");
        }

        // A declared base the lineage test refutes: the card claims a parent the weights do not come from. The names are
        // the policy's resolution of the declared ids, so a base declared only through an alias is drawn too.
        foreach (string name in artifact.DeclaredBaseNames)
        {
            if (Test(detected, name) is { Verdict: LineageVerdict.NotDerived } refuted)
            {
                edges.Add($"{baseNode(refuted.Base)} -.->|\"declared · {TestLabel(refuted)}\"| {node}");
            }
        }
    }

    private static LineageTest? Test(DetectedLineage detected, string baseName) =>
        detected.Source.Tests.FirstOrDefault(t => string.Equals(t.Base, baseName, StringComparison.OrdinalIgnoreCase));

    private static string TestLabel(LineageTest test) =>
        Invariant($"{EvidenceLevels.Of(test).Token()} · similarity {test.Similarity:0.000} · {(test.Log10PValue is { } log10 ? DetectedLineage.PValueClause(log10) : "p = —")}");

    private static string BaseNode(Dictionary<string, string> bases, string name)
    {
        if (!bases.TryGetValue(name, out string? node))
        {
            node = $"b{bases.Count}";
            bases[name] = node;
        }

        return node;
    }

    /// <summary>
    /// Untrusted text (paths, model names) made inert inside a quoted Mermaid label: quotes and angle brackets become
    /// entity codes, and nothing can close the label, the edge or the code fence.
    /// </summary>
    private static string Label(string text)
    {
        var label = new StringBuilder(text.Length);
        foreach (char c in Formats.UntrustedText.Printable(text))
        {
            label.Append(c switch
            {
                '"' => "#quot;",
                '<' => "#lt;",
                '>' => "#gt;",
                '`' => "#96;",
                '#' => "#35;",
                '|' => "#124;",
                _ when char.IsControl(c) => "?",
                _ => c.ToString(),
            });
        }

        return label.ToString();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
