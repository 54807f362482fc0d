using System.CommandLine;

namespace TensorGuard.Cli;

/// <summary>The <c>--base</c> option of the commands that read models: the weights a PEFT adapter input is merged into.</summary>
internal static class BaseModelOption
{
    public static Option<string?> Create() => new("--base")
    {
        Description = "The base model's weights (file, index, folder or hf://ORG/NAME[@REVISION]). A PEFT LoRA adapter input (a folder with adapter_config.json) is merged into them, W + (alpha/r)·B·A, and analysed as the merged model; other inputs ignore it.",
    };
}
