namespace TensorGuard.Core.Compliance;

/// <summary>Where a declared value came from; overrides win over what the artifact's files say.</summary>
public enum DeclarationSource
{
    /// <summary>The Hugging Face model card front matter (<c>README.md</c>).</summary>
    ModelCard,

    /// <summary>The name of the artifact's folder or file, used when nothing declares a name.</summary>
    FileName,

    /// <summary>
    /// Declared inside the artifact (GGUF <c>general.*</c> metadata, a PEFT adapter's <c>adapter_config.json</c>), used
    /// where the model card is silent.
    /// </summary>
    FileMetadata,

    /// <summary>A <c>models:</c> entry of the policy.</summary>
    Policy,

    /// <summary>A command-line option or an action input.</summary>
    Override,
}

/// <summary>A declared value and where it was declared.</summary>
public sealed record DeclaredValue<T>(T Value, DeclarationSource Source);

/// <summary>Something wrong with the files that declare an artifact's identity (missing or malformed model card, …).</summary>
/// <param name="File">The file concerned.</param>
/// <param name="Problem">What is wrong and how to fix it.</param>
/// <param name="Line">The line of <paramref name="File"/> the problem is at, when it is at one.</param>
public sealed record DeclarationProblem(string File, string Problem, int? Line = null);

/// <summary>
/// What an artifact says about itself: its name, license and base model(s) from the model card (or overrides),
/// the architecture from <c>config.json</c>, and the texts in which license notices must appear.
/// </summary>
public sealed record DeclaredIdentity
{
    /// <summary>The model's name: override, then the card's <c>model_name</c>, then the folder or file name.</summary>
    public required DeclaredValue<string> Name { get; init; }

    /// <summary>The license as a lower-case Hub id; <c>other</c> with a <c>license_name</c> becomes that name.</summary>
    public DeclaredValue<string>? License { get; init; }

    /// <summary>The card's <c>license_link</c>, if any.</summary>
    public string? LicenseLink { get; init; }

    /// <summary>Declared base models (several mean a merge); empty when none is declared.</summary>
    public DeclaredValue<IReadOnlyList<string>>? BaseModels { get; init; }

    /// <summary>The card's <c>base_model_relation</c> (finetune, adapter, merge, quantized).</summary>
    public string? BaseModelRelation { get; init; }

    /// <summary>The card's <c>tags</c>.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary><c>config.json</c>'s <c>_name_or_path</c>: usually the checkpoint the model was loaded from.</summary>
    public string? ConfigNameOrPath { get; init; }

    /// <summary><c>config.json</c>'s <c>model_type</c>.</summary>
    public string? ModelType { get; init; }

    /// <summary><c>config.json</c>'s <c>architectures</c>.</summary>
    public IReadOnlyList<string> Architectures { get; init; } = [];

    /// <summary>The model card file, when one was found.</summary>
    public string? ModelCardPath { get; init; }

    /// <summary>The model card line (1-based) of each front matter key, so findings can point at the line to fix.</summary>
    public IReadOnlyDictionary<string, int> ModelCardLines { get; init; } = new Dictionary<string, int>();

    /// <summary>The <c>config.json</c> file, when one was found.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>The texts license notices are looked for in, by place.</summary>
    public NoticeDocuments Documents { get; init; } = NoticeDocuments.None;

    /// <summary>Problems with the declaring files; each becomes a finding.</summary>
    public IReadOnlyList<DeclarationProblem> Problems { get; init; } = [];

    /// <summary>Which values were overridden, for the report.</summary>
    public IEnumerable<string> OverriddenFields()
    {
        if (Name.Source is DeclarationSource.Override or DeclarationSource.Policy)
        {
            yield return "name";
        }

        if (License?.Source is DeclarationSource.Override or DeclarationSource.Policy)
        {
            yield return "license";
        }

        if (BaseModels?.Source is DeclarationSource.Override or DeclarationSource.Policy)
        {
            yield return "base model";
        }
    }
}
