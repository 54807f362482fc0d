using TensorGuard.Core.Formats;

namespace TensorGuard.ModelFactory.Demo;

/// <summary>A base model of the demo set: the stand-in for a published checkpoint, and its license.</summary>
public sealed record DemoBase(string Id, ModelFamily Family, string License, string Path);

/// <summary>
/// One artifact of the demo set: where it is, what its model card declares, and what it truly is (the
/// ground truth a gate should reach), including how it is used and whether that is compliant.
/// </summary>
public sealed record DemoArtifact(
    string Name,
    string Path,
    string Scenario,
    ModelCard Declared,
    DemoBase TrueBase,
    string Derivation,
    string Use,
    bool Compliant,
    string Problem);

/// <summary>
/// The demo set behind <c>tensorguard demo</c>: small stand-ins for three published bases and three
/// artifacts derived from them, written as Hugging Face folders (weights, <c>README.md</c>, <c>config.json</c>).
/// Deterministic: the same files on every run.
/// </summary>
public sealed class DemoSet
{
    private DemoSet(string directory, IReadOnlyList<DemoBase> bases, IReadOnlyList<DemoArtifact> artifacts)
    {
        Directory = directory;
        Bases = bases;
        Artifacts = artifacts;
    }

    /// <summary>The folder the set was written to.</summary>
    public string Directory { get; }

    /// <summary>The bases, written under <c>bases/</c>.</summary>
    public IReadOnlyList<DemoBase> Bases { get; }

    /// <summary>The artifacts to analyse, one folder each.</summary>
    public IReadOnlyList<DemoArtifact> Artifacts { get; }

    /// <summary>Writes the demo set into <paramref name="directory"/> (created if needed; our files are overwritten).</summary>
    public static DemoSet Write(string directory)
    {
        var mistral = Base(directory, "mistralai/Mistral-7B-v0.1", ModelFamily.Mistral, seed: 7001, new ModelCard { License = "apache-2.0" });
        var llama = Base(directory, "meta-llama/Llama-3.1-8B", ModelFamily.Llama, seed: 7002,
            new ModelCard { License = "llama3.1", Body = "Llama 3.1 is licensed under the Llama 3.1 Community License." });
        var qwen = Base(directory, "Qwen/Qwen2.5-3B", ModelFamily.Qwen2, seed: 7003,
            new ModelCard { License = "other", LicenseName = "qwen-research", LicenseLink = "https://huggingface.co/Qwen/Qwen2.5-3B/blob/main/LICENSE" });

        DemoArtifact[] artifacts =
        [
            Artifact(directory, "mistral-support-ft", mistral, m => m.FineTune(0.03, seed: 11),
                new ModelCard
                {
                    License = "apache-2.0",
                    BaseModel = [mistral.Base.Id],
                    BaseModelRelation = "finetune",
                    ModelName = "Mistral-7B-Support",
                    Body = "A customer-support fine-tune of Mistral 7B.",
                },
                scenario: "a Mistral 7B fine-tune that declares its base and keeps Apache-2.0",
                use: "commercial", compliant: true, problem: ""),
            Artifact(directory, "superchat-8b", llama, m => m.MergeLora(16, relativeScale: 0.03, seed: 12),
                new ModelCard
                {
                    License = "apache-2.0",
                    ModelName = "SuperChat-8B",
                    Body = "SuperChat: our own 8B chat model.",
                },
                scenario: "a Llama 3.1 derivative (merged LoRA) renamed and relicensed as Apache-2.0",
                use: "commercial", compliant: false,
                problem: "Llama 3.1 license: the name must begin with \"Llama\", \"Built with Llama\" must be shown, and it cannot be relicensed as Apache-2.0"),
            Artifact(directory, "acme-assistant-3b", qwen, m => m.FineTune(0.05, seed: 13),
                new ModelCard
                {
                    License = "other",
                    LicenseName = "qwen-research",
                    BaseModel = [qwen.Base.Id],
                    BaseModelRelation = "finetune",
                    ModelName = "Acme-Assistant-3B",
                    Body = "Powers the Acme Helpdesk product for paying customers. Built with Qwen.",
                },
                scenario: "a Qwen2.5-3B fine-tune shipped in a commercial product",
                use: "commercial", compliant: false,
                problem: "Qwen Research License: Qwen2.5-3B and its derivatives are for non-commercial use only",
                shards: 2),
        ];

        return new DemoSet(directory, [mistral.Base, llama.Base, qwen.Base], artifacts);
    }

    private static Source Base(string directory, string id, ModelFamily family, long seed, ModelCard card)
    {
        TestModel model = TestModels.Create(family, seed, TensorDType.BF16).WithId(id).WithCard(card with { ModelName = id });
        string path = System.IO.Path.Combine(directory, "bases", id.Replace('/', '_'));
        model.Save(path);
        return new Source(new DemoBase(id, family, card.LicenseName ?? card.License ?? "unknown", path), model);
    }

    private static DemoArtifact Artifact(string directory, string name, Source source,
        Func<TestModel, TestModel> derive, ModelCard card, string scenario, string use, bool compliant, string problem, int shards = 1)
    {
        TestModel model = derive(source.Model).WithId(name).WithCard(card);
        string path = System.IO.Path.Combine(directory, name);
        model.Save(path, shards);
        return new DemoArtifact(name, path, scenario, card, source.Base, string.Join(", ", model.History.Skip(1)), use, compliant, problem);
    }

    private sealed record Source(DemoBase Base, TestModel Model);
}
