using System.Diagnostics;
using System.Globalization;
using TensorGuard.Core.Fingerprints;
using TensorGuard.Core.Fingerprints.Gradient;
using TensorGuard.Core.Formats;

namespace TensorGuard.Cli;

/// <summary>
/// Turns command-line inputs into fingerprint documents: fingerprint files are read, models are opened and
/// fingerprinted with progress on stderr (a live line on a terminal, plain lines in CI logs). A PEFT adapter input is
/// merged into <paramref name="baseModel"/> (the <c>--base</c> option) and fingerprinted as the merged model.
/// </summary>
internal sealed class FingerprintInputs(CommandContext context, string? baseModel = null)
{
    private readonly bool _interactive = ReferenceEquals(context.Error, Console.Error) && !Console.IsErrorRedirected;

    /// <summary>The fingerprint of <paramref name="path"/>: read when it is a fingerprint file, computed when it is a model.</summary>
    public FingerprintDocument Load(string path) =>
        FingerprintReader.IsFingerprintPath(path) ? FingerprintReader.Read(path) : Compute(path, name: null);

    /// <summary>Opens and fingerprints the model at <paramref name="path"/>; <paramref name="name"/> overrides the declared name.</summary>
    public FingerprintDocument Compute(string path, string? name, FingerprintMethods methods = FingerprintMethods.All)
    {
        using LoadedModel model = Open(path);
        string modelName = name ?? ModelName(path, model);
        context.Error.WriteLine($"fingerprinting {UntrustedText.Printable(modelName)} ({path})");
        var clock = Stopwatch.StartNew();
        FingerprintResult result = ModelFingerprinter.FingerprintCounted(model, modelName, new FingerprintRun(Progress: new ProgressLine(context.Error, _interactive), Methods: methods));
        FingerprintDocument document = result.Document;
        if (_interactive)
        {
            context.Error.WriteLine();
        }

        foreach (string warning in document.Warnings)
        {
            context.Error.WriteLine($"warning: {UntrustedText.Printable(modelName)}: {warning}");
        }

        int tensors = document.Gradient?.Tensors.Count ?? 0;
        double share = model.ParameterCount > 0 ? (double)result.WeightsRead / model.ParameterCount : 0;
        context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"fingerprinted {UntrustedText.Printable(modelName)}: {tensors} tensors, {result.WeightsRead / 1e6:0.0} M of {model.ParameterCount / 1e6:0.0} M weights read ({share:0%}; {result.WeightValuesRead / 1e6:0.0} M values with re-reads), {document.Files.Sum(file => file.Size) / 1e9:0.00} GB hashed, in {clock.Elapsed.TotalSeconds:0.0} s"));
        return document;
    }

    /// <summary>Opens the model at <paramref name="path"/>, merging an adapter into the <c>--base</c> weights.</summary>
    public LoadedModel Open(string path) => ModelLoader.Open(path, baseModel, HubAccess.For(path, baseModel));

    /// <summary>The name a model goes by when none is given: its model card's <c>model_name</c>, else the name the file declares (GGUF <c>general.name</c>), else its folder's or file's name.</summary>
    private static string ModelName(string path, LoadedModel model) =>
        Core.Compliance.EmbeddedDeclarations.Fill(ReadDeclared(path, model), model).Name.Value;

    // A Hub model's card lies in the cache folder it was kept in; its name falls back to the repository's.
    private static Core.Compliance.DeclaredIdentity ReadDeclared(string path, LoadedModel model) =>
        Core.Formats.Hub.HubReference.IsHubReference(path) && model.Directory is { } kept
            ? Core.Compliance.DeclaredIdentityReader.Read(path, kept)
            : Core.Compliance.DeclaredIdentityReader.Read(path);

    // Interactive: one line rewritten in place. Otherwise nothing per tensor: CI logs get the start and end lines only.
    private sealed class ProgressLine(TextWriter error, bool interactive) : IProgress<GradientProgress>
    {
        public void Report(GradientProgress value)
        {
            if (interactive)
            {
                error.Write(string.Create(CultureInfo.InvariantCulture, $"\r  {value.Done}/{value.Total} tensors"));
            }
        }
    }
}
