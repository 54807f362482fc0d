using TensorGuard.Core.Classification;
using TensorGuard.Core.Fingerprints;
using TensorGuard.Core.Policy;
using TensorGuard.ModelFactory;

namespace TensorGuard.Core.Tests.Classification;

/// <summary>The published fingerprints: the default policy's bases and the 25 labelled derivatives.</summary>
internal static class ReferenceSet
{
    public static IReadOnlyList<ReferenceBase> Bases { get; } = PolicyReferences.Load(PolicyLoader.Load(RepositoryFiles.DefaultPolicy));

    public static IReadOnlyDictionary<string, string> Labels { get; } =
        FamilyLabels.Read(Path.Combine(RepositoryFiles.ReferenceFingerprints, "labels.tsv"));

    public static IReadOnlyList<NamedFeatures> Derivatives { get; } =
        Directory.GetFiles(Path.Combine(RepositoryFiles.ReferenceFingerprints, "derivatives"), "*.json")
            .Order(StringComparer.Ordinal)
            .Select(path => PolicyReferences.Query(FingerprintReader.Read(path), path))
            .ToArray();

    public static NamedFeatures Derivative(string name) => Derivatives.Single(d => d.Name == name);

    /// <summary>A copy of <paramref name="features"/> without the named features.</summary>
    public static NamedFeatures Without(NamedFeatures features, Func<string, bool> drop) =>
        features with { Features = features.Features.Where(pair => !drop(pair.Key)).ToDictionary(pair => pair.Key, pair => pair.Value) };
}
