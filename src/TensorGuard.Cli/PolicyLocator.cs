using TensorGuard.Core.Policy;

namespace TensorGuard.Cli;

/// <summary>Help texts shared by the commands that read a policy or a model.</summary>
internal static class PolicyHelp
{
    public const string Default = "Policy YAML. Default: the nearest tensorguard.yml, tensorguard.yaml, .github/tensorguard.yml or .github/tensorguard.yaml "
        + "from the current directory up to the repository root, else TensorGuard's bundled policy (every report then says so).";

    /// <summary>Every model input the readers accept, for argument descriptions.</summary>
    public const string ModelInputs = "a safetensors file, a sharded index (model.safetensors.index.json), a GGUF file, an ONNX file, a TFLite file (.tflite), a PyTorch checkpoint (.bin, .pt, .pth), a model directory, a PEFT adapter folder (with --base), or hf://ORG/NAME[@REVISION][/PATH] on the Hugging Face Hub (read by byte ranges)";
}

/// <summary>Finds and loads the policy a command uses when <c>--policy</c> is not given (see <see cref="PolicyDiscovery"/>).</summary>
internal static class PolicyLocator
{
    /// <summary>The policy shipped with TensorGuard: the five families of the paper and their license facts.</summary>
    public static string Bundled => Path.Combine(AppContext.BaseDirectory, "policies", "default.yml");

    /// <summary>The policy <paramref name="given"/>, else the one found from <paramref name="startDirectory"/> (default: the current directory).</summary>
    public static PolicyDocument Load(string? given, string? startDirectory = null) =>
        PolicyLoader.Load(PolicyDiscovery.Find(given, startDirectory ?? Directory.GetCurrentDirectory(), Bundled), Bundled);
}
