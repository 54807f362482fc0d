namespace TensorGuard.Core.Policy;

/// <summary>
/// The license ids the Hugging Face Hub accepts in a model card (<c>Policy/Data/hub-licenses.txt</c>, copied from the
/// Hub's documentation with its source and commit). A policy's license lists may name these or its own
/// <c>licenses:</c> ids; anything else is a typo that would silently allow or deny nothing.
/// </summary>
public static class HubLicenses
{
    private static readonly Lazy<IReadOnlySet<string>> Loaded = new(Load);

    /// <summary>Every Hub license id, lower case.</summary>
    public static IReadOnlySet<string> Ids => Loaded.Value;

    private static IReadOnlySet<string> Load()
    {
        using Stream stream = typeof(HubLicenses).Assembly.GetManifestResourceStream("TensorGuard.Core.Policy.hub-licenses.txt")
            ?? throw new InvalidOperationException("the Hub license list is not embedded in TensorGuard.Core.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd()
            .Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(line => !line.StartsWith('#'))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
    }
}
