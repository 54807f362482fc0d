using TensorGuard.Core.Compliance;
using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Tests.Compliance;

/// <summary>A small policy with the license facts the gate tests need, and builders for declared identities.</summary>
internal static class GatePolicies
{
    public const string Base = """
        version: 1
        licenses:
          - id: llama3.1
            name: Llama 3.1 Community License
            commercial: true
            name-prefix: Llama
            notices:
              - text: Built with Llama
                where: model-card
              - text: Llama 3.1 is licensed under the Llama 3.1 Community License
                where: notice-file
            conditions:
              - More than 700 million monthly active users need a separate license from Meta.
            covers: [meta-llama/Llama-3.1-*]
          - id: apache-2.0
            name: Apache License 2.0
            commercial: true
            allows-relicensing: true
          - id: mit
            name: MIT License
            commercial: true
            allows-relicensing: true
          - id: qwen-research
            name: Qwen Research License
            commercial: false
            notices:
              - text: [Built with Qwen, Improved using Qwen]
                where: model-card
        families:
          - id: llama
            name: Llama
            covers: [meta-llama/*]
            bases:
              - name: Llama-3.1-8B
                license: llama3.1
                aliases: [meta-llama/Llama-3.1-8B, meta-llama/Meta-Llama-3.1-8B]
                features: {global_mean: 1}
          - id: phi
            name: Microsoft Phi
            notices:
              - text: Copyright (c) Microsoft Corporation
                where: license-file
            bases:
              - name: phi-4
                license: mit
                features: {global_mean: 4}
          - id: mistral
            name: Mistral
            bases:
              - name: Mistral-7B-v0.1
                license: apache-2.0
                features: {global_mean: 2}
          - id: qwen
            name: Qwen
            bases:
              - name: Qwen2.5-3B
                license: qwen-research
                features: {global_mean: 3}
        """;

    public static PolicyDocument Load(string extra = "organisation:\n  commercial: true\n") =>
        PolicyLoader.Read(YamlTreeReader.Read(Base + "\n" + extra, "policy.yml"), "policy.yml", Directory.GetCurrentDirectory());

    public static DeclaredIdentity Declared(string name, string? license, string[]? bases, string card = "", string notice = "") => new()
    {
        Name = new DeclaredValue<string>(name, DeclarationSource.ModelCard),
        License = license is null ? null : new DeclaredValue<string>(license, DeclarationSource.ModelCard),
        BaseModels = bases is null ? null : new DeclaredValue<IReadOnlyList<string>>(bases, DeclarationSource.ModelCard),
        ModelCardPath = "models/x/README.md",
        Documents = new NoticeDocuments([
            new NoticeDocument(NoticePlace.ModelCard, "models/x/README.md", card),
            new NoticeDocument(NoticePlace.NoticeFile, "models/x/NOTICE", notice),
        ]),
    };

    public static LineageEvidence DerivedFrom(string baseName, string family) => new(
        new NearestBase(baseName, family, 0.4, 3.0, Unknown: false),
        [new LineageTest(baseName, LineageVerdict.Derived, 0.97, -12)]);
}
