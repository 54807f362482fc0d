using System.CommandLine;
using System.Text;
using TensorGuard.Core.Fingerprints;

namespace TensorGuard.Cli.Commands;

/// <summary><c>tensorguard fingerprint MODEL... [--out FILE|DIR] [--name NAME] [--format tensorguard|reference] [--method all|gradient|lineage|base]</c>.</summary>
internal static class FingerprintCommand
{
    private static readonly Argument<string[]> Models = new("MODEL")
    {
        Description = $"A model: {PolicyHelp.ModelInputs} (several allowed).",
        Arity = ArgumentArity.OneOrMore,
    };

    private static readonly Option<string?> Out = new("--out", "-o")
    {
        Description = "Write to this file (one model) or directory (created if missing; one <name>.json per model) instead of stdout.",
    };

    private static readonly Option<string?> Name = new("--name")
    {
        Description = "Model name to record (wins over the model card's model_name and the folder name); one model only.",
    };

    private static readonly Option<string> Format = new Option<string>("--format")
    {
        Description = "tensorguard: full document with sources and per-tensor values; reference: the reference implementation's flat 17-key JSON.",
        DefaultValueFactory = _ => "tensorguard",
    }.AcceptOnlyFromAmong("tensorguard", "reference");

    private static readonly Option<string> Method = new Option<string>("--method")
    {
        Description = "gradient: the paper's fingerprint (family and architecture); lineage: the sketch that proves derivation from a base; all: both; "
            + "base: both plus every tensor's content hash (tensorguard-identity, reads every value), as policy add-base records for a base.",
        DefaultValueFactory = _ => "all",
    }.AcceptOnlyFromAmong("all", "gradient", "lineage", "base");

    private static readonly Option<string?> Base = BaseModelOption.Create();

    public static Command Create()
    {
        var command = new Command("fingerprint", "Compute the fingerprints (tensorguard-gradient, tensorguard-lineage) of model artifacts.")
        {
            Models,
            Out,
            Name,
            Format,
            Method,
            Base,
        };
        command.SetAction(parseResult => CommandRunner.Run(parseResult, context => Execute(parseResult, context)));
        return command;
    }

    private static ExitCode Execute(ParseResult parseResult, CommandContext context)
    {
        string[] models = parseResult.GetRequiredValue(Models);
        string? name = parseResult.GetValue(Name);
        string? output = parseResult.GetValue(Out);
        FingerprintFormat format = parseResult.GetValue(Format) == "reference" ? FingerprintFormat.Reference : FingerprintFormat.TensorGuard;
        FingerprintMethods methods = parseResult.GetValue(Method) switch
        {
            "gradient" => FingerprintMethods.Gradient,
            "lineage" => FingerprintMethods.Lineage,
            "base" => FingerprintMethods.Base,
            _ => FingerprintMethods.All,
        };
        if (format == FingerprintFormat.Reference && !methods.HasFlag(FingerprintMethods.Gradient))
        {
            throw new UsageException("--format reference holds only the gradient fingerprint; use --method gradient or all with it");
        }

        if (name is not null && models.Length > 1)
        {
            throw new UsageException("--name names one model; fingerprint the models one call at a time to name each");
        }

        string? directory = output is null ? null : OutputDirectory(output, models.Length);
        var inputs = new FingerprintInputs(context, parseResult.GetValue(Base));
        var documents = new List<FingerprintDocument>();
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (string model in models)
        {
            FingerprintDocument document = inputs.Compute(model, name, methods);
            documents.Add(document);
            if (output is not null)
            {
                string path = directory is null ? output : Path.Combine(directory, FileName(document.ModelName, format));
                if (!written.Add(Path.GetFullPath(path)))
                {
                    throw new UsageException($"two models are named {document.ModelName}, so both would be written to {path}; fingerprint them in separate calls with --name");
                }

                Save(document, path, format);
                context.Error.WriteLine($"wrote {path}");
            }
        }

        if (output is null)
        {
            using var buffer = new MemoryStream();
            if (documents.Count == 1)
            {
                FingerprintWriter.Write(documents[0], buffer, format);
            }
            else
            {
                FingerprintWriter.WriteArray(documents, buffer, format);
            }

            context.Output.Write(Encoding.UTF8.GetString(buffer.ToArray()));
        }

        return ExitCode.Success;
    }

    // A directory when it exists, ends with a separator, or several models need several files.
    private static string? OutputDirectory(string output, int models)
    {
        bool isDirectory = Directory.Exists(output) || output.EndsWith('/') || output.EndsWith(Path.DirectorySeparatorChar) || models > 1;
        if (!isDirectory)
        {
            return null;
        }

        if (File.Exists(output))
        {
            throw new UsageException($"--out {output} is a file, but {models} models need a directory; pass a directory");
        }

        Directory.CreateDirectory(output);
        return output;
    }

    private static string FileName(string modelName, FingerprintFormat format)
    {
        var safe = new StringBuilder(modelName.Length);
        foreach (char c in modelName)
        {
            safe.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_');
        }

        string stem = safe.ToString().TrimStart('.');
        stem = stem.Length == 0 ? "model" : stem;
        return format == FingerprintFormat.Reference ? $"{stem}_features.json" : $"{stem}.json";
    }

    private static void Save(FingerprintDocument document, string path, FingerprintFormat format)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
            FingerprintWriter.Write(document, stream, format);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot write {path} ({error.Message}); check the path and its permissions");
        }
    }
}
