using System.Globalization;

namespace TensorGuard.Core.Formats.Architecture;

/// <summary>
/// Recognises a decoder architecture from tensor names and shapes, plus <c>config.json</c> when present.
/// Shapes decide the sizes the weights actually have (hidden, layers, vocabulary, intermediate, tied
/// embeddings); the config decides head counts, which the weights alone can only tell when a per-head norm
/// reveals the head width. Disagreements between the two are reported as notes, not resolved silently.
/// Orientation-agnostic: a matrix's "other" dimension is the one that is not the hidden size, so transposed
/// storage (GPT-2's Conv1D, converted checkpoints) reads the same.
/// </summary>
public static class ArchitectureRecognizer
{
    /// <summary>The scheme name when no known naming matches.</summary>
    public const string Unknown = "unknown";

    /// <param name="hiddenHint">
    /// The hidden size when the tensors have no norm or embedding to tell it (e.g. a LoRA adapter's projections only).
    /// </param>
    public static ArchitectureInfo Recognize(IReadOnlyList<TensorEntry> tensors, HuggingFaceConfig? config, long? hiddenHint = null)
    {
        (NamingScheme? scheme, Dictionary<TensorRole, TensorEntry> roles, SortedSet<int> layers) = BestScheme(tensors);
        string name = scheme is null ? Unknown : Variant(scheme, roles);
        var notes = new List<string>();

        long? hidden = Length(roles, TensorRole.FinalNorm) ?? Length(roles, TensorRole.AttentionNorm) ?? LastDim(roles, TensorRole.Embedding) ?? hiddenHint;
        long? vocabulary = Other(roles, TensorRole.Embedding, hidden) ?? Other(roles, TensorRole.LmHead, hidden);
        long? intermediate = Other(roles, TensorRole.Down, hidden) ?? Other(roles, TensorRole.Gate, hidden)
            ?? Other(roles, TensorRole.FusedGateUp, hidden) / 2 ?? Other(roles, TensorRole.Up, hidden);
        long? layerCount = layers.Count > 0 ? layers.Count : null;
        bool? tied = scheme is not null && roles.ContainsKey(TensorRole.Embedding) ? !roles.ContainsKey(TensorRole.LmHead) : null;
        if (layers.Count > 0 && layers.Max + 1 != layers.Count)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"layer numbers run to {layers.Max} but only {layers.Count} layers are present"));
        }

        Sourced<long>? hiddenSize = Merge(notes, "hidden_size", hidden, config?.HiddenSize);
        Sourced<long>? headDim = Sourced(config?.HeadDim, ValueSource.Config) ?? Sourced(Length(roles, TensorRole.QueryNorm), ValueSource.Weights);
        Sourced<long>? queryWidth = Sourced(Other(roles, TensorRole.Query, hidden), ValueSource.Weights);
        Sourced<long>? keyWidth = Sourced(Other(roles, TensorRole.Key, hidden), ValueSource.Weights);
        long? fusedWidth = Other(roles, TensorRole.FusedQkv, hidden);
        Sourced<long>? heads = Sourced(config?.AttentionHeads, ValueSource.Config) ?? Divide(queryWidth, headDim);

        // transformers defaults head_dim to hidden_size / num_attention_heads.
        headDim ??= Divide(queryWidth, heads) ?? Divide(hiddenSize, heads);
        Sourced<long>? kvHeads = Sourced(config?.KeyValueHeads, ValueSource.Config) ?? Divide(keyWidth, headDim)
            ?? FusedKeyValueHeads(fusedWidth, heads, headDim);
        CheckWidth(notes, "query", queryWidth?.Value, heads, headDim);
        CheckWidth(notes, "key", keyWidth?.Value, kvHeads, headDim);

        return new ArchitectureInfo(
            name,
            Describe(name),
            config?.ModelType,
            hiddenSize,
            Merge(notes, "num_hidden_layers", layerCount, config?.Layers),
            heads,
            kvHeads,
            headDim,
            Merge(notes, "intermediate_size", intermediate, config?.IntermediateSize),
            Merge(notes, "vocab_size", vocabulary, config?.VocabularySize),
            MergeTied(notes, tied, config?.TiedEmbeddings),
            notes);
    }

    /// <summary>One line on what a scheme name means.</summary>
    public static string Describe(string scheme) => scheme switch
    {
        "llama" => "Llama/Mistral naming (model.layers.N.self_attn.q_proj, mlp.gate_proj)",
        "qwen2" => "Qwen2 naming (Llama layout with q/k/v projection biases)",
        "gemma" => "Gemma 2 naming (Llama layout with pre- and post-feed-forward norms)",
        "phi3" => "Phi-3 naming (fused self_attn.qkv_proj and mlp.gate_up_proj)",
        "gpt2" => "GPT-2 naming (h.N.attn.c_attn, mlp.c_fc)",
        "gguf" => "GGUF naming (blk.N.attn_q, ffn_gate)",
        _ => "no known tensor naming",
    };

    // The scheme that classifies the most tensors; each role keeps its lowest-layer (then first) tensor.
    private static (NamingScheme?, Dictionary<TensorRole, TensorEntry>, SortedSet<int>) BestScheme(IReadOnlyList<TensorEntry> tensors)
    {
        (NamingScheme? Scheme, Dictionary<TensorRole, TensorEntry> Roles, SortedSet<int> Layers, int Matched) best = (null, [], [], 0);
        foreach (NamingScheme scheme in NamingScheme.All)
        {
            var roles = new Dictionary<TensorRole, (TensorEntry Tensor, int Layer)>();
            var layers = new SortedSet<int>();
            int matched = 0;
            foreach (TensorEntry tensor in tensors)
            {
                if (!scheme.TryClassify(tensor.Name, out TensorRole role, out int? layer))
                {
                    continue;
                }

                matched++;
                if (layer is int index)
                {
                    layers.Add(index);
                }

                int order = layer ?? -1;
                if (!roles.TryGetValue(role, out var existing) || order < existing.Layer)
                {
                    roles[role] = (tensor, order);
                }
            }

            if (matched > best.Matched)
            {
                best = (scheme, roles.ToDictionary(r => r.Key, r => r.Value.Tensor), layers, matched);
            }
        }

        return (best.Scheme, best.Roles, best.Layers);
    }

    // Hugging Face decoders share one scheme; the features that tell the families apart.
    private static string Variant(NamingScheme scheme, Dictionary<TensorRole, TensorEntry> roles)
    {
        if (scheme != NamingScheme.HuggingFace)
        {
            return scheme.Name;
        }

        if (roles.ContainsKey(TensorRole.FusedQkv) || roles.ContainsKey(TensorRole.FusedGateUp))
        {
            return "phi3";
        }

        if (roles.ContainsKey(TensorRole.AttentionBias))
        {
            return "qwen2";
        }

        return roles.ContainsKey(TensorRole.PreFeedforwardNorm) || roles.ContainsKey(TensorRole.PostFeedforwardNorm) ? "gemma" : "llama";
    }

    private static long? Length(Dictionary<TensorRole, TensorEntry> roles, TensorRole role) =>
        roles.TryGetValue(role, out TensorEntry? tensor) && tensor.Shape.Count == 1 ? tensor.Shape[0] : null;

    private static long? LastDim(Dictionary<TensorRole, TensorEntry> roles, TensorRole role) =>
        roles.TryGetValue(role, out TensorEntry? tensor) && tensor.Shape.Count == 2 ? tensor.Shape[1] : null;

    // The dimension of a matrix that is not the hidden size ([out, in] assumed when neither is).
    private static long? Other(Dictionary<TensorRole, TensorEntry> roles, TensorRole role, long? hidden)
    {
        if (!roles.TryGetValue(role, out TensorEntry? tensor) || tensor.Shape.Count != 2)
        {
            return null;
        }

        return tensor.Shape[1] == hidden || tensor.Shape[0] != hidden ? tensor.Shape[0] : tensor.Shape[1];
    }

    private static Sourced<long>? Sourced(long? value, ValueSource source) => value is long v ? new(v, source) : null;

    private static Sourced<long>? Divide(Sourced<long>? width, Sourced<long>? by)
    {
        if (width is null || by is null || by.Value <= 0 || width.Value % by.Value != 0)
        {
            return null;
        }

        return new(width.Value / by.Value, width.Source == by.Source ? by.Source : ValueSource.Derived);
    }

    // A fused projection holds (heads + 2 × kv heads) × head dim rows.
    private static Sourced<long>? FusedKeyValueHeads(long? fusedWidth, Sourced<long>? heads, Sourced<long>? headDim)
    {
        if (fusedWidth is not long width || heads is null || headDim is null || width % headDim.Value != 0)
        {
            return null;
        }

        long keyValue = (width / headDim.Value) - heads.Value;
        return keyValue > 0 && keyValue % 2 == 0 ? new(keyValue / 2, ValueSource.Derived) : null;
    }

    private static void CheckWidth(List<string> notes, string projection, long? width, Sourced<long>? heads, Sourced<long>? headDim)
    {
        if (width is long w && heads is not null && headDim is not null && heads.Value * headDim.Value != w)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"{heads.Value} heads × head dim {headDim.Value} do not match the {projection} projection width {w}"));
        }
    }

    private static Sourced<long>? Merge(List<string> notes, string field, long? weights, long? config)
    {
        if (weights is long w && config is long c && w != c)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"config.json says {field} {c}, the weights have {w}"));
        }

        return Sourced(weights, ValueSource.Weights) ?? Sourced(config, ValueSource.Config);
    }

    private static Sourced<bool>? MergeTied(List<string> notes, bool? weights, bool? config)
    {
        if (weights is bool w && config is bool c && w != c)
        {
            notes.Add($"config.json says tie_word_embeddings {(c ? "true" : "false")}, but the weights {(w ? "have no" : "have a separate")} output head");
        }

        return weights is bool fromWeights ? new(fromWeights, ValueSource.Weights) : config is bool fromConfig ? new(fromConfig, ValueSource.Config) : null;
    }
}
