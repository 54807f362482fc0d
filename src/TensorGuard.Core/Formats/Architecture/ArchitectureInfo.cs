namespace TensorGuard.Core.Formats.Architecture;

/// <summary>Where an architecture value came from.</summary>
public enum ValueSource
{
    /// <summary>Tensor names and shapes alone.</summary>
    Weights,

    /// <summary><c>config.json</c>.</summary>
    Config,

    /// <summary>Computed from both, e.g. the query width divided by the configured head count.</summary>
    Derived,
}

/// <summary>A value and where it came from.</summary>
public sealed record Sourced<T>(T Value, ValueSource Source)
    where T : struct;

/// <summary>
/// The architecture recognised in a model: its tensor naming scheme, the configured <c>model_type</c>, and
/// the dimensions, each with its source (null when neither the weights nor the config tell), plus notes on
/// anything inconsistent between them.
/// </summary>
public sealed record ArchitectureInfo(
    string Scheme,
    string SchemeDescription,
    string? ModelType,
    Sourced<long>? HiddenSize,
    Sourced<long>? Layers,
    Sourced<long>? AttentionHeads,
    Sourced<long>? KeyValueHeads,
    Sourced<long>? HeadDim,
    Sourced<long>? IntermediateSize,
    Sourced<long>? VocabularySize,
    Sourced<bool>? TiedEmbeddings,
    IReadOnlyList<string> Notes);
