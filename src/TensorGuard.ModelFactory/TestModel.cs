using TensorGuard.Core.Formats;

namespace TensorGuard.ModelFactory;

/// <summary>
/// An in-memory model made by the factory: tensors with their roles, a storage dtype, a naming scheme,
/// and the model card and config that go beside the weights. It is an <see cref="ITensorSource"/>, so
/// fingerprints can be computed without files; <see cref="Save"/> writes the same tensors to disk, and what
/// is read back equals what is served here (values are kept rounded to <see cref="DType"/>).
/// Immutable: derivations (see <see cref="Derivations"/>) return new models.
/// </summary>
public sealed class TestModel : ITensorSource
{
    private readonly Dictionary<string, TestTensor> _byName;
    private readonly Dictionary<TensorRole, TestTensor> _byRole;
    private readonly TensorEntry[] _entries;

    internal TestModel(string id, Architecture architecture, TensorDType dtype, TensorNaming naming,
        IEnumerable<TestTensor> tensors, ModelCard? card, ModelConfig? config, IReadOnlyList<string> history)
    {
        Id = id;
        Architecture = architecture;
        DType = dtype;
        Naming = naming;
        Card = card;
        Config = config;
        History = history;
        Weights = tensors.OrderBy(t => t.Name, StringComparer.Ordinal).ToArray();
        _byName = new Dictionary<string, TestTensor>(StringComparer.Ordinal);
        _byRole = [];
        foreach (TestTensor tensor in Weights)
        {
            if (!_byName.TryAdd(tensor.Name, tensor) || !_byRole.TryAdd(tensor.Role, tensor))
            {
                throw new ArgumentException($"Model {id} would hold two tensors named {tensor.Name} or with role {tensor.Role}.", nameof(tensors));
            }
        }

        string source = "memory:" + id;
        _entries = Weights.Select(t => new TensorEntry(t.Name, dtype, t.StoredShape.Select(d => (long)d).ToArray(), source)).ToArray();
    }

    /// <summary>Identifier, e.g. <c>tensorguard-test/llama-s1</c>; also the default <c>_name_or_path</c> and card name.</summary>
    public string Id { get; }

    /// <summary>Shape of the network (updated by derivations that change it).</summary>
    public Architecture Architecture { get; }

    /// <summary>The family the weights were generated for.</summary>
    public ModelFamily Family => Architecture.Family;

    /// <summary>Storage dtype; every value is representable in it.</summary>
    public TensorDType DType { get; }

    /// <summary>How tensor names are derived from roles.</summary>
    public TensorNaming Naming { get; }

    /// <summary>The <c>README.md</c> written beside the weights (none when null).</summary>
    public ModelCard? Card { get; }

    /// <summary>The <c>config.json</c> written beside the weights (none when null).</summary>
    public ModelConfig? Config { get; }

    /// <summary>How the model was made, one step per entry (base, then each derivation).</summary>
    public IReadOnlyList<string> History { get; }

    /// <summary>Every tensor, sorted by name.</summary>
    public IReadOnlyList<TestTensor> Weights { get; }

    /// <inheritdoc />
    public IReadOnlyList<TensorEntry> Tensors => _entries;

    /// <summary>Total number of elements.</summary>
    public long ParameterCount => Weights.Sum(t => (long)t.Values.Length);

    /// <summary>The tensor stored under <paramref name="name"/>.</summary>
    public TestTensor this[string name] => _byName.TryGetValue(name, out TestTensor? tensor)
        ? tensor
        : throw new KeyNotFoundException($"Model {Id} has no tensor named {name}.");

    /// <summary>The tensor with role (<paramref name="kind"/>, <paramref name="layer"/>), whatever its name.</summary>
    public TestTensor Get(TensorKind kind, int layer = TensorRole.NoLayer) => Find(kind, layer)
        ?? throw new KeyNotFoundException($"Model {Id} has no {kind} tensor{(layer == TensorRole.NoLayer ? "" : $" in layer {layer}")}.");

    /// <summary>The tensor with that role, or null.</summary>
    public TestTensor? Find(TensorKind kind, int layer = TensorRole.NoLayer) =>
        _byRole.GetValueOrDefault(new TensorRole(kind, layer));

    /// <inheritdoc />
    public void ReadFloat32(TensorEntry tensor, long firstElement, Span<float> destination)
    {
        ReadOnlySpan<float> stored = this[tensor.Name].StoredValues;
        if (firstElement < 0 || firstElement + destination.Length > stored.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(firstElement), $"Elements {firstElement}..{firstElement + destination.Length} are outside {tensor.Name} ({stored.Length} elements).");
        }

        stored.Slice((int)firstElement, destination.Length).CopyTo(destination);
    }

    /// <summary>In-memory models hold no resources.</summary>
    public void Dispose()
    {
    }

    /// <summary>The same weights under another id (config <c>_name_or_path</c> follows).</summary>
    public TestModel WithId(string id) =>
        new(id, Architecture, DType, Naming, Weights, Card, Config is null ? null : Config with { NameOrPath = id }, History);

    /// <summary>The same weights with another model card.</summary>
    public TestModel WithCard(ModelCard card) => new(Id, Architecture, DType, Naming, Weights, card, Config, History);

    /// <summary>The same weights with no model card (no <c>README.md</c> is written).</summary>
    public TestModel WithoutCard() => new(Id, Architecture, DType, Naming, Weights, null, Config, History);

    /// <summary>The same weights with the model card changed by <paramref name="change"/>.</summary>
    public TestModel WithCard(Func<ModelCard, ModelCard> change) => WithCard(change(Card ?? new ModelCard()));

    /// <summary>The same weights with another config.</summary>
    public TestModel WithConfig(ModelConfig config) => new(Id, Architecture, DType, Naming, Weights, Card, config, History);

    /// <summary>The same weights with no config (no <c>config.json</c> is written).</summary>
    public TestModel WithoutConfig() => new(Id, Architecture, DType, Naming, Weights, Card, null, History);

    /// <summary>The same weights with the config changed by <paramref name="change"/>.</summary>
    public TestModel WithConfig(Func<ModelConfig, ModelConfig> change) =>
        WithConfig(change(Config ?? ModelConfig.For(Architecture, Id, DType)));

    /// <summary>Writes weights (and card, config) into <paramref name="directory"/>; see <see cref="ModelWriter"/>.</summary>
    public SavedModel Save(string directory, int shards = 1) => ModelWriter.Save(this, directory, shards);

    public override string ToString() => $"{Id} ({string.Join(" → ", History)})";

    /// <summary>
    /// The model after one derivation step: values rounded to <paramref name="dtype"/> (default: unchanged),
    /// names re-assigned from roles when the naming or the roles changed.
    /// </summary>
    internal TestModel Derive(string step, IEnumerable<TestTensor> tensors, Architecture? architecture = null,
        TensorNaming? naming = null, TensorDType? dtype = null)
    {
        Architecture newArchitecture = architecture ?? Architecture;
        TensorNaming newNaming = naming ?? Naming;
        TensorDType newDType = dtype ?? DType;
        TestTensor[] ordered = tensors.OrderBy(t => t.Role).ToArray();
        IReadOnlyList<string> names = newNaming.Assign(ordered.Select(t => t.Role).ToArray(), newArchitecture);
        IEnumerable<TestTensor> derived = ordered.Select((t, i) =>
            new TestTensor(names[i], t.Role, [.. t.Shape], StorageDTypes.Round(newDType, t.Values), t.Transposed));
        ModelConfig? config = Config is null
            ? null
            : Config.WithArchitecture(newArchitecture) with { TorchDtype = ModelConfig.TorchDtypeName(newDType) };
        return new TestModel(Id, newArchitecture, newDType, newNaming, derived, Card, config, [.. History, step]);
    }
}
