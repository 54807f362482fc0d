namespace TensorGuard.Core.Fingerprints.Lineage;

/// <summary>
/// The window's values for a fixed set of units (tokens) of a vocabulary-like view: what lets a check find
/// the base's window again in a candidate whose hidden dimension was permuted (the AWM idea: match embedding
/// columns over the same tokens). Tokens are unit indices, which derivations keep for embeddings and LM heads
/// (a vocabulary is extended or truncated at its end).
/// </summary>
/// <param name="View">The anchored view, as described in reports.</param>
/// <param name="Tokens">Unit indices, ascending.</param>
/// <param name="Scale">Quantization step: value = <paramref name="Scale"/> × stored value.</param>
/// <param name="Values">Quantized values, feature-major (window feature f, token t at <c>f × tokens + t</c>).</param>
public sealed record TokenAnchor(string View, IReadOnlyList<int> Tokens, float Scale, ReadOnlyMemory<sbyte> Values);
