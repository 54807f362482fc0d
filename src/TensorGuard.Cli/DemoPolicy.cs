using System.Text;
using TensorGuard.Core;
using TensorGuard.Core.Compliance;
using TensorGuard.Core.Fingerprints;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Policy;
using TensorGuard.ModelFactory.Demo;

namespace TensorGuard.Cli;

/// <summary>
/// The policy <c>tensorguard demo</c> checks against: the bundled policy's license facts, organisation settings and
/// rules, with families made of the demo set's stand-in bases (fingerprinted here) instead of the published ones.
/// Each stand-in joins the bundled family whose <c>covers</c> patterns match its Hub id.
/// </summary>
internal static class DemoPolicy
{
    /// <summary>Writes <c>tensorguard.yml</c> and the bases' fingerprints into the demo folder; returns the policy path.</summary>
    public static string Write(DemoSet demo, string bundledPolicy)
    {
        PolicyDocument bundled = PolicyLoader.Load(bundledPolicy);
        string text = File.ReadAllText(bundledPolicy);
        int families = text.IndexOf("\nfamilies:", StringComparison.Ordinal);
        if (families < 0)
        {
            throw new InvalidInputException($"{bundledPolicy}: no top-level families: section to replace with the demo bases.");
        }

        var policy = new StringBuilder();
        policy.Append("# TensorGuard demo policy: the license facts of the bundled policies/default.yml, with the demo's\n")
              .Append("# stand-in bases (small generated models) as the families' bases.\n");
        policy.Append(text[text.IndexOf("version:", StringComparison.Ordinal)..families].TrimEnd()).Append("\n\nfamilies:\n");
        foreach (IGrouping<string, DemoBase> family in demo.Bases.GroupBy(b => FamilyOf(b, bundled)))
        {
            PolicyFamily known = bundled.Families.Single(f => f.Id == family.Key);
            policy.Append($"  - id: {known.Id}\n    name: {known.DisplayName}\n    covers: [{string.Join(", ", known.Covers)}]\n    bases:\n");
            foreach (DemoBase model in family)
            {
                string file = $"fingerprints/{model.Id.Replace('/', '_')}.json";
                Fingerprint(model, Path.Combine(demo.Directory, file));
                policy.Append($"      - name: {model.Id[(model.Id.IndexOf('/', StringComparison.Ordinal) + 1)..]}\n")
                      .Append($"        license: {model.License}\n")
                      .Append($"        aliases: [{model.Id}]\n")
                      .Append($"        fingerprint: {file}\n");
            }
        }

        string path = Path.Combine(demo.Directory, "tensorguard.yml");
        File.WriteAllText(path, policy.ToString());
        return path;
    }

    private static string FamilyOf(DemoBase model, PolicyDocument bundled) =>
        DeclaredBase.Resolve(model.Id, bundled).Family
        ?? throw new InvalidInputException($"the demo base {model.Id} matches no family of the bundled policy; add it to a family's covers.");

    private static void Fingerprint(DemoBase model, string path)
    {
        using LoadedModel weights = ModelLoader.Open(model.Path);
        FingerprintDocument document = ModelFingerprinter.Fingerprint(weights, model.Id);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, FingerprintWriter.ToJson(document));
    }
}
