using System.Collections.ObjectModel;
using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Fingerprints;

/// <summary>
/// The named feature vector of a <c>tensorguard-gradient</c> fingerprint. <see cref="Names"/> is the canonical
/// order; a fingerprint always has the global statistics, <c>total_params</c> and <c>num_layers</c>, and has a
/// layer type's group only when it analysed tensors of that type (reference files hold three statistics per
/// group, ours five). Consumers build vectors with <see cref="Vector"/> over the names both sides have.
/// </summary>
public sealed class GradientFeatures
{
    /// <summary>Feature name prefix of the statistics over every analysed tensor.</summary>
    public const string GlobalPrefix = "global";

    /// <summary>Total parameter count of the model (the reference: of the file it read).</summary>
    public const string TotalParams = "total_params";

    /// <summary>Number of analysed tensors (the reference's name for it).</summary>
    public const string NumLayers = "num_layers";

    private readonly double?[] _values;

    private GradientFeatures(double?[] values) => _values = values;

    /// <summary>Every feature name, in canonical order: <c>global_*</c>, then each layer type's group, then counts.</summary>
    public static IReadOnlyList<string> Names { get; } = BuildNames();

    /// <summary>The statistics the reference records per layer type (it keeps skewness and kurtosis global only).</summary>
    public static IReadOnlyList<string> ReferenceGroupStatistics { get; } = ["mean", "std", "norm"];

    /// <summary>
    /// The reference implementation's 16 numeric keys, in its order: five global statistics, mean/std/norm for
    /// attention, ffn and embedding, <c>total_params</c>, <c>num_layers</c>. Its classifier standardises all
    /// but <c>total_params</c>.
    /// </summary>
    public static IReadOnlyList<string> ReferenceNames { get; } =
    [
        .. GradientStatistics.Names.Select(stat => Name(GlobalPrefix, stat)),
        .. new[] { LayerType.Attention, LayerType.FeedForward, LayerType.Embedding }
            .SelectMany(type => ReferenceGroupStatistics.Select(stat => Name(type.Name(), stat))),
        TotalParams,
        NumLayers,
    ];

    /// <summary>The features that every valid fingerprint has.</summary>
    public static IReadOnlyList<string> Required { get; } =
        [.. GradientStatistics.Names.Select(stat => Name(GlobalPrefix, stat)), TotalParams, NumLayers];

    /// <summary>The value of <paramref name="name"/>, or null when this fingerprint lacks it.</summary>
    /// <exception cref="KeyNotFoundException"><paramref name="name"/> is not a feature name.</exception>
    public double? this[string name] => _values[IndexOf(name)];

    /// <summary>The present features, in canonical order.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Present =>
        Names.Select((name, i) => (name, value: _values[i]))
            .Where(pair => pair.value.HasValue)
            .Select(pair => KeyValuePair.Create(pair.name, pair.value!.Value))
            .ToArray();

    /// <summary>Feature name of a group's statistic, e.g. <c>attention_std</c>.</summary>
    public static string Name(string group, string statistic) => $"{group}_{statistic}";

    /// <summary>Whether <paramref name="name"/> is present.</summary>
    public bool Has(string name) => this[name].HasValue;

    /// <summary>Whether the fingerprint has a group of features for <paramref name="type"/>.</summary>
    public bool Has(LayerType type) => Has(Name(type.Name(), "mean"));

    /// <summary>The values of <paramref name="names"/>, in that order.</summary>
    /// <exception cref="KeyNotFoundException">A name is unknown or absent from this fingerprint.</exception>
    public double[] Vector(IReadOnlyList<string> names) =>
        names.Select(name => this[name] ?? throw new KeyNotFoundException($"The fingerprint has no feature {name}.")).ToArray();

    /// <summary>
    /// Features from named values. Names must be canonical, values finite, the required features present,
    /// and a layer type's group complete (all five statistics, or — as in reference files — mean, std and norm).
    /// </summary>
    /// <exception cref="ArgumentException">One of those rules is broken; the message says which.</exception>
    public static GradientFeatures From(IEnumerable<KeyValuePair<string, double>> values)
    {
        var array = new double?[Names.Count];
        foreach ((string name, double value) in values)
        {
            int index = IndexOfOrMinus(name);
            if (index < 0)
            {
                throw new ArgumentException($"unknown feature \"{UntrustedText.Printable(name)}\"", nameof(values));
            }

            if (!double.IsFinite(value))
            {
                throw new ArgumentException($"feature {name} is {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}, not a finite number", nameof(values));
            }

            array[index] = value;
        }

        var features = new GradientFeatures(array);
        foreach (string name in Required.Where(name => !features.Has(name)))
        {
            throw new ArgumentException($"required feature {name} is missing", nameof(values));
        }

        foreach (LayerType type in LayerTypes.Grouped)
        {
            string[] present = GradientStatistics.Names.Where(stat => features.Has(Name(type.Name(), stat))).ToArray();
            bool complete = present.Length == 0 || present.Length == GradientStatistics.Names.Count || present.SequenceEqual(ReferenceGroupStatistics);
            if (!complete)
            {
                string missing = string.Join(", ", ReferenceGroupStatistics.Except(present).Select(stat => Name(type.Name(), stat)));
                throw new ArgumentException($"the {type.Name()} group is incomplete (missing {(missing.Length > 0 ? missing : "skewness or kurtosis")})", nameof(values));
            }
        }

        return features;
    }

    /// <summary>
    /// The paper's aggregation: <c>global_*</c> is the mean of every tensor's statistics, each layer type's group
    /// the mean over its tensors; <c>num_layers</c> counts the analysed tensors.
    /// </summary>
    public static GradientFeatures Aggregate(IReadOnlyCollection<TensorGradient> tensors, long totalParams)
    {
        if (tensors.Count == 0)
        {
            throw new ArgumentException("A fingerprint needs at least one analysed tensor.", nameof(tensors));
        }

        var values = new List<KeyValuePair<string, double>>();
        Add(values, GlobalPrefix, GradientStatistics.Average(tensors.Select(t => t.Statistics).ToArray()));
        foreach (LayerType type in LayerTypes.Grouped)
        {
            GradientStatistics[] ofType = tensors.Where(t => t.LayerType == type).Select(t => t.Statistics).ToArray();
            if (ofType.Length > 0)
            {
                Add(values, type.Name(), GradientStatistics.Average(ofType));
            }
        }

        values.Add(KeyValuePair.Create(TotalParams, (double)totalParams));
        values.Add(KeyValuePair.Create(NumLayers, (double)tensors.Count));
        return From(values);
    }

    private static void Add(List<KeyValuePair<string, double>> values, string group, GradientStatistics statistics)
    {
        for (int i = 0; i < GradientStatistics.Names.Count; i++)
        {
            values.Add(KeyValuePair.Create(Name(group, GradientStatistics.Names[i]), statistics.Values[i]));
        }
    }

    private static int IndexOf(string name)
    {
        int index = IndexOfOrMinus(name);
        return index >= 0 ? index : throw new KeyNotFoundException($"{name} is not a gradient feature.");
    }

    private static int IndexOfOrMinus(string name) => NameIndex.TryGetValue(name, out int index) ? index : -1;

    private static readonly ReadOnlyDictionary<string, int> NameIndex =
        Names.Select((name, index) => (name, index)).ToDictionary(pair => pair.name, pair => pair.index, StringComparer.Ordinal).AsReadOnly();

    private static string[] BuildNames() =>
    [
        .. new[] { GlobalPrefix }.Concat(LayerTypes.Grouped.Select(type => type.Name()))
            .SelectMany(group => GradientStatistics.Names.Select(stat => Name(group, stat))),
        TotalParams,
        NumLayers,
    ];
}
