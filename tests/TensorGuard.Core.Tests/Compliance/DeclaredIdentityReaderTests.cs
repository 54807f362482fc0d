using TensorGuard.Core.Compliance;
using TensorGuard.Core.Policy;

namespace TensorGuard.Core.Tests.Compliance;

public sealed class DeclaredIdentityReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Model(string card, string? config = null)
    {
        _dir.Write("acme-chat/README.md", card);
        if (config is not null)
        {
            _dir.Write("acme-chat/config.json", config);
        }

        return _dir.Write("acme-chat/model.safetensors", "not read here");
    }

    [Fact]
    public void Read_FullFrontMatter_DeclaresNameLicenseBasesAndConfig()
    {
        string weights = Model("""
            ---
            license: llama3.1
            model_name: Llama-Acme-Chat
            base_model:
              - meta-llama/Llama-3.1-8B
              - mistralai/Mistral-7B-v0.1
            base_model_relation: merge
            tags: [chat, merge]
            model-index:
              - name: x
                results: [{task: {type: t}, metrics: [{type: acc, value: 1}]}]
            ---
            # Acme chat
            **Built with   Llama**
            """, """{"_name_or_path": "meta-llama/Llama-3.1-8B", "model_type": "llama", "architectures": ["LlamaForCausalLM"]}""");

        DeclaredIdentity identity = DeclaredIdentityReader.Read(weights);

        Assert.Empty(identity.Problems);
        Assert.Equal(new DeclaredValue<string>("Llama-Acme-Chat", DeclarationSource.ModelCard), identity.Name);
        Assert.Equal("llama3.1", identity.License!.Value);
        Assert.Equal(["meta-llama/Llama-3.1-8B", "mistralai/Mistral-7B-v0.1"], identity.BaseModels!.Value);
        Assert.Equal("merge", identity.BaseModelRelation);
        Assert.Equal(["chat", "merge"], identity.Tags);
        Assert.Equal("llama", identity.ModelType);
        Assert.Equal(["LlamaForCausalLM"], identity.Architectures);
        Assert.Equal("meta-llama/Llama-3.1-8B", identity.ConfigNameOrPath);
        Assert.NotNull(identity.Documents.Find("built with llama", NoticePlace.ModelCard));
        Assert.Null(identity.Documents.Find("built with llama", NoticePlace.NoticeFile));
    }

    [Fact]
    public void Read_LicenseOther_UsesLicenseName()
    {
        string weights = Model("---\nlicense: other\nlicense_name: Qwen-Research\nlicense_link: https://example.org/LICENSE\nbase_model: Qwen/Qwen2.5-3B\n---\n");

        DeclaredIdentity identity = DeclaredIdentityReader.Read(weights);

        Assert.Equal("qwen-research", identity.License!.Value);
        Assert.Equal(["Qwen/Qwen2.5-3B"], identity.BaseModels!.Value);
        Assert.Equal("model", identity.Name.Value);
        Assert.Equal(DeclarationSource.FileName, identity.Name.Source);
    }

    [Fact]
    public void Read_NoModelCard_IsAProblemAndNamesFromTheFolder()
    {
        string weights = _dir.Write("acme-chat/model.safetensors.index.json", "{}");

        DeclaredIdentity identity = DeclaredIdentityReader.Read(weights);

        DeclarationProblem problem = Assert.Single(identity.Problems);
        Assert.Contains("no model card", problem.Problem);
        Assert.Equal("acme-chat", identity.Name.Value);
        Assert.Null(identity.License);
    }

    [Theory]
    [InlineData("---\nlicense: [unclosed\n---\n", "line 3, column 1")]
    [InlineData("---\nbase: &a [x, x]\nmore: *a\n---\n", "aliases are not allowed")]
    [InlineData("---\nlicense: mit\nlicense: apache-2.0\n---\n", "appears twice")]
    [InlineData("---\nlicense: mit\n", "not closed")]
    [InlineData("# no front matter\n", "no YAML front matter")]
    [InlineData("---\n- a list\n---\n", "mapping")]
    [InlineData("---\nlicense: {a: b}\n---\n", "must be a string")]
    public void Read_MalformedCard_IsAProblemNotACrash(string card, string expected)
    {
        DeclaredIdentity identity = DeclaredIdentityReader.Read(Model(card));

        Assert.Contains(identity.Problems, problem => problem.Problem.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Read_DeeplyNestedFrontMatter_IsRejected()
    {
        string card = "---\nx: " + new string('[', 5000) + new string(']', 5000) + "\n---\n";

        DeclaredIdentity identity = DeclaredIdentityReader.Read(Model(card));

        Assert.Contains(identity.Problems, problem => problem.Problem.Contains("nested deeper", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_OversizedCard_IsNotRead()
    {
        string card = "---\nlicense: mit\n---\n" + new string('x', (int)DeclaredIdentityReader.MaxFileBytes);

        DeclaredIdentity identity = DeclaredIdentityReader.Read(Model(card));

        Assert.Contains(identity.Problems, problem => problem.Problem.Contains("larger than", StringComparison.Ordinal));
        Assert.Null(identity.License);
    }

    [Fact]
    public void Read_MalformedConfig_IsAProblem()
    {
        DeclaredIdentity identity = DeclaredIdentityReader.Read(Model("---\nlicense: mit\n---\n", "{\"model_type\": "));

        Assert.Contains(identity.Problems, problem => problem.File.EndsWith("config.json", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_NoticeAndLicenseFiles_AreSearchedByPlace()
    {
        string weights = Model("---\nlicense: gemma\n---\n");
        _dir.Write("acme-chat/NOTICE", "Gemma is provided under and\nsubject to the Gemma Terms of Use found at ai.google.dev/gemma/terms");
        _dir.Write("acme-chat/LICENSE.txt", "Copyright (c) Microsoft Corporation.");

        NoticeDocuments documents = DeclaredIdentityReader.Read(weights).Documents;

        Assert.NotNull(documents.Find("Gemma is provided under and subject to the Gemma Terms of Use", NoticePlace.NoticeFile));
        Assert.Null(documents.Find("Gemma is provided under", NoticePlace.ModelCard));
        Assert.NotNull(documents.Find("copyright (c) microsoft corporation", NoticePlace.Anywhere));
    }

    [Fact]
    public void Read_Overrides_WinInOrderAndSayWhere()
    {
        string weights = Model("---\nlicense: apache-2.0\nmodel_name: Acme\nbase_model: x/y\n---\n");

        DeclaredIdentity identity = DeclaredIdentityReader.Read(weights,
            new IdentityOverrides("From-Policy", "MIT", null, DeclarationSource.Policy),
            new IdentityOverrides("From-CLI", null, null, DeclarationSource.Override));

        Assert.Equal(new DeclaredValue<string>("From-CLI", DeclarationSource.Override), identity.Name);
        Assert.Equal(new DeclaredValue<string>("mit", DeclarationSource.Policy), identity.License);
        Assert.Equal(DeclarationSource.ModelCard, identity.BaseModels!.Source);
        Assert.Equal(["name", "license"], identity.OverriddenFields());
    }
}
