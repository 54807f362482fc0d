using System.Text.Json.Nodes;
using TensorGuard.Core.Fingerprints;
using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.Core.Formats;
using TensorGuard.Core.Formats.Peft;
using TensorGuard.ModelFactory;
using TensorGuard.ModelFactory.Formats;
using TensorGuard.Tests.Corpus;

namespace TensorGuard.Core.Tests.Formats;

public sealed class PeftAdapterTests : IDisposable
{
    private static readonly TestModel Llama = TestModels.Create(ModelFamily.Llama, seed: 1);
    private readonly TestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    public static TheoryData<string> Malformed => new(MalformedAdapters.All.Keys.Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Open_MalformedAdapter_ThrowsOneClearMessage(string name)
    {
        MalformedAdapter malformed = MalformedAdapters.All[name];
        (string adapter, string? baseModel) = malformed.Create(_directory);

        var error = Assert.Throws<ModelFormatException>(() => ModelLoader.Open(adapter, baseModel).Dispose());

        Assert.True(error.Message.Contains(malformed.Fragment, StringComparison.Ordinal), error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Open_AdapterWithBase_ServesTheFactoryMergedWeights(bool fanInFanOut)
    {
        TestModel baseModel = fanInFanOut ? Llama.TransposeLinear() : Llama;
        LoraAdapter lora = Llama.TrainLora(rank: 8, relativeScale: 0.05);
        string basePath = baseModel.Save(_directory.File("base")).Directory;
        string adapterPath = lora.Save(_directory.File("adapter"), fanInFanOut).Directory;
        TestModel truth = lora.MergeInto(baseModel);

        using LoadedModel merged = ModelLoader.Open(adapterPath, basePath);

        Assert.Equal("peft-lora+safetensors", merged.Format);
        Assert.Equal(truth.Tensors.Select(t => (t.Name, t.ShapeText)), merged.Tensors.Select(t => (t.Name, t.ShapeText)));
        Assert.Equal(lora.Pairs.Count, merged.MergedAdapter!.MergedModules.Count);
        foreach (TensorEntry tensor in merged.Tensors)
        {
            float[] expected = truth[tensor.Name].StoredValues.ToArray();
            var actual = new float[tensor.ElementCount];
            merged.ReadFloat32(tensor, 0, actual);
            Assert.All(expected.Zip(actual), pair => Assert.Equal(pair.First, pair.Second, 1e-6f));
        }
    }

    [Fact]
    public void ReadFloat32_BlockStartingMidRow_EqualsTheSameSliceOfTheWholeTensor()
    {
        (string adapterPath, string basePath) = Saved(Llama, Llama.TrainLora(rank: 4));
        using LoadedModel merged = ModelLoader.Open(adapterPath, basePath);
        TensorEntry down = merged.Tensors.Single(t => t.Name == "model.layers.2.mlp.down_proj.weight");
        var whole = new float[down.ElementCount];
        merged.ReadFloat32(down, 0, whole);

        var slice = new float[(down.RowLength * 2) + 17];
        merged.ReadFloat32(down, down.RowLength - 5, slice);
        var single = new float[1];
        merged.ReadFloat32(down, 3 * down.RowLength + 7, single);

        Assert.Equal(whole.AsSpan((int)down.RowLength - 5, slice.Length).ToArray(), slice);
        Assert.Equal(whole[(3 * down.RowLength) + 7], single[0]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Fingerprint_AdapterWithBase_EqualsTheMergedModelAndDerivesFromTheBase(bool fanInFanOut)
    {
        TestModel baseModel = fanInFanOut ? Llama.TransposeLinear() : Llama;
        LoraAdapter lora = Llama.TrainLora(rank: 16, relativeScale: 0.05);
        string basePath = baseModel.Save(_directory.File("base")).Directory;
        string adapterPath = lora.Save(_directory.File("adapter"), fanInFanOut).Directory;
        string truthPath = lora.MergeInto(baseModel).Save(_directory.File("merged")).Directory;

        FingerprintDocument fromAdapter;
        using (LoadedModel merged = ModelLoader.Open(adapterPath, basePath))
        {
            fromAdapter = ModelFingerprinter.Fingerprint(merged, "adapter", new FingerprintRun(MaxParallelism: 1));
        }

        FingerprintDocument fromTruth;
        using (LoadedModel truth = ModelLoader.Open(truthPath))
        {
            fromTruth = ModelFingerprinter.Fingerprint(truth, "merged", new FingerprintRun(MaxParallelism: 1));
        }

        Assert.Equal(fromTruth.Gradient!.Features.Present.Select(f => f.Key), fromAdapter.Gradient!.Features.Present.Select(f => f.Key));
        foreach ((KeyValuePair<string, double> expected, KeyValuePair<string, double> actual) in fromTruth.Gradient.Features.Present.Zip(fromAdapter.Gradient.Features.Present))
        {
            Assert.True(Math.Abs(expected.Value - actual.Value) <= 1e-5 * Math.Max(1, Math.Abs(expected.Value)), $"{expected.Key}: {expected.Value} vs {actual.Value}");
        }

        using LoadedModel candidate = ModelLoader.Open(adapterPath, basePath);
        LineageComparison lineage = LineageComparer.Compare(LineageSketcher.Sketch(baseModel), candidate);
        Assert.Equal(LineageVerdict.Derived, lineage.Verdict);
    }

    [Fact]
    public void Open_AdapterWithUnrelatedBaseOfTheSameShape_MergesButIsNotDerivedFromIt()
    {
        TestModel unrelated = Llama.Reinitialize(seed: 9);
        (string adapterPath, string basePath) = Saved(unrelated, Llama.TrainLora(rank: 8));

        using LoadedModel merged = ModelLoader.Open(adapterPath, basePath);
        LineageComparison lineage = LineageComparer.Compare(LineageSketcher.Sketch(Llama), merged);

        Assert.NotEqual(LineageVerdict.Derived, lineage.Verdict);
    }

    [Fact]
    public void Open_AdapterOverGgufBase_MatchesTheSafetensorsMerge()
    {
        LoraAdapter lora = Llama.TrainLora(rank: 4, relativeScale: 0.05);
        string gguf = _directory.File("base.gguf");
        GgufModelWriter.Write(Llama.ToGguf(), gguf);
        string adapterPath = lora.Save(_directory.File("adapter")).Directory;
        TestModel truth = lora.MergeInto(Llama);

        using LoadedModel merged = ModelLoader.Open(adapterPath, gguf);

        foreach (string name in new[] { "model.layers.1.self_attn.q_proj.weight", "model.layers.1.self_attn.k_proj.weight", "model.layers.3.mlp.up_proj.weight" })
        {
            TensorEntry tensor = merged.Tensors.Single(t => t.Name == name);
            var actual = new float[tensor.ElementCount];
            merged.ReadFloat32(tensor, 0, actual);
            Assert.All(truth[name].StoredValues.ToArray().Zip(actual), pair => Assert.Equal(pair.First, pair.Second, 1e-6f));
        }
    }

    [Fact]
    public void Open_BaseWithExtraPrefix_MatchesModulesByTheirLongestUniqueSuffix()
    {
        LoraAdapter lora = Llama.TrainLora(rank: 4);
        TestModel prefixed = Llama.Rename(TensorNaming.Custom("prefixed", name => "language_model." + name));
        (string adapterPath, string basePath) = Saved(prefixed, lora);

        using LoadedModel merged = ModelLoader.Open(adapterPath, basePath);

        Assert.Contains("language_model.model.layers.0.self_attn.q_proj.weight", merged.MergedAdapter!.MergedModules.Keys);
        Assert.Equal(lora.Pairs.Count, merged.MergedAdapter.MergedModules.Count);
    }

    [Fact]
    public void Open_RsLoraAndAlphaPattern_ScaleEachModuleAsPeftDoes()
    {
        (string adapterPath, string basePath) = Saved(Llama, Llama.TrainLora(rank: 16, alpha: 8));
        EditConfig(adapterPath, config =>
        {
            config["use_rslora"] = true;
            config["alpha_pattern"] = new JsonObject { ["v_proj"] = 32 };
        });

        using LoadedModel merged = ModelLoader.Open(adapterPath, basePath);
        var modules = merged.MergedAdapter!.MergedModules;

        Assert.Equal(8 / Math.Sqrt(16), modules["model.layers.0.self_attn.q_proj.weight"].Scaling, 12);
        Assert.Equal(32 / Math.Sqrt(16), modules["model.layers.0.self_attn.v_proj.weight"].Scaling, 12);
    }

    [Fact]
    public void Inspect_AdapterWithoutBase_ReportsDeclarationsAndWhatItsShapesImply()
    {
        LoraAdapter lora = Llama.TrainLora(rank: 8, alpha: 16);
        string adapterPath = lora.Save(_directory.File("adapter")).Directory;

        ModelInspection inspection = ModelInspection.Of(adapterPath, baseModel: null, scan: false);

        AdapterReport report = inspection.Adapter!;
        Assert.Equal(PeftAdapter.FormatName, inspection.Format);
        Assert.Equal(Llama.Id, report.DeclaredBase);
        Assert.Equal((8, 16.0, 2.0), (report.Rank, report.Alpha, report.Scaling));
        Assert.Equal(lora.TargetModules, report.TargetModules);
        Assert.Equal(lora.Pairs.Count, report.AdaptedModules);
        Assert.Null(report.BaseWeights);
        Assert.Empty(report.Problems);
        Assert.True(report.Verified.Any(line => line.Contains("one llama decoder (hidden size 64, intermediate size 224, adapted layers 4)", StringComparison.Ordinal)), string.Join(" | ", report.Verified));
        Assert.Contains(report.NotVerified, line => line.Contains("its weights were not given", StringComparison.Ordinal));
        Assert.Equal(64, inspection.Architecture.HiddenSize!.Value);
    }

    [Fact]
    public void Inspect_AdapterWithBase_VerifiesEveryModuleAgainstTheBase()
    {
        (string adapterPath, string basePath) = Saved(Llama, Llama.TrainLora(rank: 4));

        ModelInspection inspection = ModelInspection.Of(adapterPath, basePath, scan: false);

        Assert.Equal(Llama.Tensors.Count, inspection.Tensors.Count);
        Assert.Equal(Path.Combine(basePath, "config.json"), inspection.ConfigFile);
        Assert.Equal(Llama.Architecture.AttentionHeads, inspection.Architecture.AttentionHeads!.Value);
        Assert.Equal(basePath, inspection.Adapter!.BaseWeights);
        Assert.Contains(inspection.Adapter.Verified, line => line.StartsWith("all 28 adapted modules and 0 replaced tensors fit", StringComparison.Ordinal));
    }

    [Fact]
    public void Inspect_AdapterOfUnevenShapes_ReportsTheInconsistency()
    {
        (string adapterPath, _) = Saved(Llama, Llama.TrainLora(rank: 4));
        TestModel wider = TestModels.Create(ModelFactory.Architecture.Default(ModelFamily.Llama) with { IntermediateSize = 256 }, seed: 2);
        string other = wider.TrainLora(rank: 4).Save(_directory.File("other")).WeightsFile;
        MixLayer(adapterPath, other, "layers.3.mlp.");

        AdapterReport report = ModelInspection.Of(adapterPath, baseModel: null, scan: false).Adapter!;

        Assert.Contains(report.Problems, line => line.Contains("model.layers.N.mlp.down_proj.weight", StringComparison.Ordinal));
        Assert.DoesNotContain(report.Verified, line => line.Contains("decoder", StringComparison.Ordinal));
    }

    [Fact]
    public void Open_AdapterWithoutBase_SaysWhatWasCheckedAndThatItWasNotAnalysed()
    {
        string adapterPath = Llama.TrainLora(rank: 4).Save(_directory.File("adapter")).Directory;

        var error = Assert.Throws<ModelFormatException>(() => ModelLoader.Open(adapterPath));

        Assert.Contains("was not analysed", error.Problem, StringComparison.Ordinal);
        Assert.Contains("declared base " + Llama.Id, error.Problem, StringComparison.Ordinal);
        Assert.Contains("Checked without them: every lora_A has its lora_B", error.Problem, StringComparison.Ordinal);
        Assert.Contains("Not checked: that the shapes match the declared base", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_AdapterWeightsFile_OpensTheAdapterFolder()
    {
        (string adapterPath, string basePath) = Saved(Llama, Llama.TrainLora(rank: 4));

        using LoadedModel merged = ModelLoader.Open(Path.Combine(adapterPath, "adapter_model.safetensors"), basePath);

        Assert.NotNull(merged.MergedAdapter);
    }

    private (string Adapter, string Base) Saved(TestModel baseModel, LoraAdapter lora) =>
        (lora.Save(_directory.File("adapter")).Directory, baseModel.Save(_directory.File("base")).Directory);

    private static void EditConfig(string adapterPath, Action<JsonObject> change)
    {
        string path = Path.Combine(adapterPath, AdapterConfig.FileName);
        JsonObject config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        change(config);
        File.WriteAllText(path, config.ToJsonString());
    }

    // Replaces the adapter's factors for one layer's MLP with those of another adapter (of other shapes).
    private static void MixLayer(string adapterPath, string otherWeights, string part)
    {
        string path = Path.Combine(adapterPath, "adapter_model.safetensors");
        var tensors = new List<Core.Formats.Safetensors.SafetensorsWriter.Tensor>();
        foreach (string file in new[] { path, otherWeights })
        {
            using var source = Core.Formats.Safetensors.SafetensorsFile.Open(file);
            bool fromOther = file == otherWeights;
            foreach (TensorEntry entry in source.Tensors.Where(t => t.Name.Contains(part, StringComparison.Ordinal) == fromOther))
            {
                var values = new float[entry.ElementCount];
                source.ReadFloat32(entry, 0, values);
                tensors.Add(new(entry.Name, TensorDType.F32, [.. entry.Shape], StorageDTypes.Encode(TensorDType.F32, values)));
            }
        }

        Core.Formats.Safetensors.SafetensorsWriter.Write(path, tensors);
    }
}
