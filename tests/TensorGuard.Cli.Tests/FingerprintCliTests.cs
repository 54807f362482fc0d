using System.Text.Json;
using TensorGuard.Core.Fingerprints;
using TensorGuard.Core.Formats.Safetensors;
using TensorGuard.Core.Tests.Fingerprints;
using TensorGuard.ModelFactory;
using TensorGuard.ModelFactory.Formats;
using TensorGuard.Tests.Corpus;

namespace TensorGuard.Cli.Tests;

public sealed class FingerprintCliTests : IDisposable
{
    private readonly TestDirectory _directory = new();

    public static TheoryData<string> MalformedCases => new(MalformedModels.All.Keys.Order(StringComparer.Ordinal));

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Fingerprint_OneModel_PrintsOnlyTheDocumentOnStdout()
    {
        string model = Model("llama-tiny");

        CliResult result = CliRun.Invoke("fingerprint", model);

        Assert.Equal(0, result.ExitCode);
        FingerprintDocument document = FingerprintReader.Parse(System.Text.Encoding.UTF8.GetBytes(result.Output), "stdout", "x");
        Assert.Equal("llama-tiny", document.ModelName);
        Assert.Equal(["model.safetensors"], document.Files.Select(f => f.Path));
        Assert.Equal($"fingerprinting llama-tiny ({model})", result.ErrorLines[0]);
        Assert.Matches(@"^fingerprinted llama-tiny: 15 tensors, [0-9.]+ M of [0-9.]+ M weights read \([0-9]+%; [0-9.]+ M values with re-reads\), 0\.00 GB hashed, in [0-9.]+ s$", result.ErrorLines[^1]);
    }

    [Fact]
    public void Fingerprint_ModelCardDeclaresAName_DocumentCarriesIt()
    {
        string model = Model("checkout-folder");
        File.WriteAllText(Path.Combine(model, "README.md"), "---\nlicense: mit\nmodel_name: acme-chat-7b\n---\n# Acme\n");

        CliResult named = CliRun.Invoke("fingerprint", model);
        CliResult overridden = CliRun.Invoke("fingerprint", model, "--name", "given");

        Assert.Equal("acme-chat-7b", FingerprintReader.Parse(System.Text.Encoding.UTF8.GetBytes(named.Output), "stdout", "x").ModelName);
        Assert.Equal("given", FingerprintReader.Parse(System.Text.Encoding.UTF8.GetBytes(overridden.Output), "stdout", "x").ModelName);
    }

    [Fact]
    public void Fingerprint_SeveralModelsIntoADirectory_WritesOneReadableFileEach()
    {
        string output = _directory.File("out");

        CliResult result = CliRun.Invoke("fingerprint", Model("first"), Model("second"), "--out", output, "--format", "reference");

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.Equal(["first_features.json", "second_features.json"], Directory.GetFiles(output).Select(Path.GetFileName).Order());
        FingerprintDocument read = FingerprintReader.Read(Path.Combine(output, "second_features.json"));
        Assert.Equal(FingerprintFormat.Reference, read.Format);
        Assert.Equal("second", read.ModelName);
    }

    [Fact]
    public void Fingerprint_SeveralModelsToStdout_PrintsAJsonArray()
    {
        CliResult result = CliRun.Invoke("fingerprint", Model("a"), Model("b"));

        using JsonDocument json = JsonDocument.Parse(result.Output);
        Assert.Equal(["a", "b"], json.RootElement.EnumerateArray().Select(d => d.GetProperty("model").GetProperty("name").GetString()));
    }

    [Fact]
    public void Fingerprint_NameOption_WinsOverTheFolderName()
    {
        string file = _directory.File("fp.json");

        CliResult result = CliRun.Invoke("fingerprint", Model("folder"), "--name", "Llama-3-Custom", "--out", file);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("Llama-3-Custom", FingerprintReader.Read(file).ModelName);
    }

    [Fact]
    public void Fingerprint_NameWithSeveralModels_IsAUsageError()
    {
        CliResult result = CliRun.Invoke("fingerprint", Model("a"), Model("b"), "--name", "x");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: --name names one model; fingerprint the models one call at a time to name each", Assert.Single(result.ErrorLines));
    }

    [Theory]
    [MemberData(nameof(MalformedCases))]
    public void Fingerprint_MalformedArtifact_ExitsThreeWithOneErrorLineAndNoDocument(string name)
    {
        MalformedModel model = MalformedModels.All[name];
        string path = model.Create(_directory);

        CliResult result = CliRun.Invoke("fingerprint", path);

        Assert.Equal(3, result.ExitCode);
        Assert.Empty(result.Output);
        string error = Assert.Single(result.ErrorLines, line => line.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Equal(result.ErrorLines[^1], error);
    }

    [Fact]
    public void Fingerprint_NaNWeight_ExitsThreeNamingTheTensor()
    {
        string directory = _directory.File("nan");
        Directory.CreateDirectory(directory);
        SafetensorsWriter.Write(Path.Combine(directory, "model.safetensors"), [TinyModels.F32("lm_head.weight", 8, 16, 1, poison: (2, 3, float.PositiveInfinity))]);

        CliResult result = CliRun.Invoke("fingerprint", directory);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("tensor \"lm_head.weight\" holds a non-finite weight (Infinity) at row 2, column 3", result.ErrorLines[^1]);
    }

    [Fact]
    public void Fingerprint_LineageOnlyOfNaNWeights_ExitsThreeNamingTheTensor()
    {
        // The lineage method reads a sample of each view; the poisoned value lies inside it (hidden 16: every value).
        string directory = _directory.File("nan-lineage");
        Directory.CreateDirectory(directory);
        List<SafetensorsWriter.Tensor> tensors = TinyModels.Llama();
        int up = tensors.FindIndex(t => t.Name == "model.layers.1.mlp.up_proj.weight");
        tensors[up] = TinyModels.F32(tensors[up].Name, 40, 16, 7, poison: (5, 9, float.NaN));
        SafetensorsWriter.Write(Path.Combine(directory, "model.safetensors"), tensors);

        CliResult result = CliRun.Invoke("fingerprint", directory, "--method", "lineage");

        Assert.Equal(3, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.Contains("tensor \"model.layers.1.mlp.up_proj.weight\" holds a non-finite weight (NaN) at row 5, column 9", result.ErrorLines[^1]);
    }

    [Fact]
    public void Compare_ModelWithItsOwnFingerprint_IsIdenticalAndRelated()
    {
        string model = Model("same");
        string file = _directory.File("same.json");
        Assert.Equal(0, CliRun.Invoke("fingerprint", model, "--out", file).ExitCode);

        CliResult result = CliRun.Invoke("compare", model, file, "--json");

        Assert.Equal(0, result.ExitCode);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        Assert.Equal("tensorguard-lineage", json.RootElement.GetProperty("method").GetString());
        Assert.Equal("derived", json.RootElement.GetProperty("verdict").GetString());
        Assert.True(json.RootElement.GetProperty("related").GetBoolean());
        Assert.True(json.RootElement.GetProperty("similarity").GetDouble() > 0.99);
        Assert.True(json.RootElement.GetProperty("log10PValue").GetDouble() < -6);
        Assert.NotEmpty(json.RootElement.GetProperty("matchedTensors").EnumerateArray());
        JsonElement gradient = json.RootElement.GetProperty("gradient");
        Assert.Equal("tensorguard-gradient", gradient.GetProperty("method").GetString());
        Assert.Equal(0, gradient.GetProperty("distance").GetDouble());
        Assert.Equal(1, gradient.GetProperty("similarity").GetDouble());
    }

    [Fact]
    public void Compare_GradientOnlyFingerprints_UseTheGradientMethod()
    {
        string file = _directory.File("gradient.json");
        Assert.Equal(0, CliRun.Invoke("fingerprint", Model("g"), "--method", "gradient", "--out", file).ExitCode);

        CliResult result = CliRun.Invoke("compare", file, file, "--json");

        using JsonDocument json = JsonDocument.Parse(result.Output);
        Assert.Equal("tensorguard-gradient", json.RootElement.GetProperty("method").GetString());
        Assert.Equal(0, json.RootElement.GetProperty("distance").GetDouble());
    }

    [Fact]
    public void Fingerprint_MethodLineage_WritesOnlyTheLineageSketch()
    {
        string file = _directory.File("lineage.json");

        CliResult result = CliRun.Invoke("fingerprint", Model("l"), "--method", "lineage", "--out", file);

        Assert.Equal(0, result.ExitCode);
        FingerprintDocument document = FingerprintReader.Read(file);
        Assert.Null(document.Gradient);
        Assert.NotNull(document.Lineage);
        Assert.Equal(16, document.Lineage.HiddenSize);
    }

    [Fact]
    public void Compare_DerivedModelAgainstBaseFingerprint_SaysDerivedInText()
    {
        TestModel baseModel = TestModels.Create(ModelFamily.Llama, seed: 31);
        string baseDirectory = _directory.File("base");
        string derivedDirectory = _directory.File("derived");
        string unrelatedDirectory = _directory.File("unrelated");
        baseModel.Save(baseDirectory);
        baseModel.FineTune(0.1, seed: 2).PermuteMlpNeurons(seed: 3).ToOnnx().Save(derivedDirectory);
        baseModel.Reinitialize(seed: 77).Save(unrelatedDirectory);
        string baseFile = _directory.File("base.json");
        Assert.Equal(0, CliRun.Invoke("fingerprint", baseDirectory, "--method", "lineage", "--out", baseFile).ExitCode);

        CliResult derived = CliRun.Invoke("compare", baseFile, derivedDirectory);
        CliResult unrelated = CliRun.Invoke("compare", baseFile, unrelatedDirectory);

        Assert.Equal(0, derived.ExitCode);
        Assert.Contains("method: tensorguard-lineage", derived.Output);
        Assert.Contains("verdict: derived", derived.Output);
        Assert.Contains("related: yes", derived.Output);
        Assert.Contains("null hypothesis: the candidate's weights are unrelated", derived.Output);
        Assert.Contains("verdict: not derived", unrelated.Output);
        Assert.Contains("related: no", unrelated.Output);
    }

    [Fact]
    public void Fingerprint_ReferenceFormatWithoutGradient_IsAUsageError()
    {
        CliResult result = CliRun.Invoke("fingerprint", Model("r"), "--method", "lineage", "--format", "reference");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--format reference holds only the gradient fingerprint", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public void Compare_DifferentArchitectures_AreNotRelated()
    {
        string wide = _directory.File("wide");
        Directory.CreateDirectory(wide);
        SafetensorsWriter.Write(Path.Combine(wide, "model.safetensors"),
            [TinyModels.F32("model.embed_tokens.weight", 32, 64, 1), TinyModels.F32("model.layers.0.mlp.up_proj.weight", 96, 64, 2)]);

        CliResult result = CliRun.Invoke("compare", Model("narrow"), wide);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("related: no", result.Output);
    }

    [Fact]
    public void Compare_TransformerWithConvNet_IsAVerdictNotAnInputError()
    {
        string llama = _directory.File("llama");
        string convnet = _directory.File("convnet");
        TestModels.Create(ModelFamily.Llama, seed: 5).Save(llama);
        TestModels.Create(ModelFamily.ConvNet, seed: 5).Save(convnet);

        CliResult result = CliRun.Invoke("compare", llama, convnet);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("verdict: not derived", result.Output);
        Assert.Contains("related: no", result.Output);
    }

    [Fact]
    public void Compare_PyTorchConvNetWithItsInt8Tflite_IsDerived()
    {
        string convnet = _directory.File("convnet");
        string tflite = _directory.File("tflite");
        TestModel model = TestModels.Create(ModelFamily.ConvNet, seed: 5);
        model.Save(convnet);
        Directory.CreateDirectory(tflite);
        TfliteWriter.Save(model, tflite, TfliteWriter.Storage.Int8PerChannel);

        CliResult inspect = CliRun.Invoke("inspect", tflite);
        CliResult compare = CliRun.Invoke("compare", convnet, tflite);

        Assert.Equal((0, 0), (inspect.ExitCode, compare.ExitCode));
        Assert.Contains("tflite", inspect.Output);
        Assert.Contains("verdict: derived", compare.Output);
    }

    /// <summary>A 3-D ConvNet fine-tuned, then converted to TFLite (CONV_3D, or CONV_3D_TRANSPOSE reading each kernel as a ConvTranspose3d weight), against its PyTorch original and an unrelated model.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Compare_PyTorch3DConvNetWithTflite_IsDerivedWhenFineTunedAndNotDerivedWhenUnrelated(bool transposed)
    {
        string original = _directory.File("convnet3d");
        string derived = _directory.File("derived");
        string unrelated = _directory.File("unrelated");
        TestModel model = TestModels.Create(Architecture.Default(ModelFamily.ConvNet) with { ConvolutionDimensions = 3 }, seed: 5);
        model.Save(original);
        Directory.CreateDirectory(derived);
        Directory.CreateDirectory(unrelated);
        TfliteWriter.Save(model.FineTune(0.05), derived, TfliteWriter.Storage.Float16, transposed);
        TfliteWriter.Save(model.Reinitialize(seed: 6), unrelated, TfliteWriter.Storage.Float16, transposed);

        CliResult related = CliRun.Invoke("compare", original, derived);
        CliResult independent = CliRun.Invoke("compare", original, unrelated);

        Assert.Equal((0, 0), (related.ExitCode, independent.ExitCode));
        Assert.Contains("verdict: derived", related.Output);
        Assert.Contains("verdict: not derived", independent.Output);
    }

    [Fact]
    public void Compare_ModelWithoutAnyWeightMatrix_IsInconclusiveWithExitZero()
    {
        string norms = _directory.File("norms");
        Directory.CreateDirectory(norms);
        SafetensorsWriter.Write(Path.Combine(norms, "model.safetensors"), [new SafetensorsWriter.Tensor("norm.weight", Core.Formats.TensorDType.F32, [4], new byte[16])]);

        CliResult text = CliRun.Invoke("compare", Model("a-model"), norms);
        CliResult json = CliRun.Invoke("compare", Model("b-model"), norms, "--json");

        Assert.Equal((0, 0), (text.ExitCode, json.ExitCode));
        Assert.Contains("verdict: inconclusive (nothing comparable: ", text.Output);
        Assert.Contains("holds no floating-point weight matrix or convolution kernel", text.Output);
        using JsonDocument document = JsonDocument.Parse(json.Output);
        Assert.Equal("inconclusive", document.RootElement.GetProperty("verdict").GetString());
    }

    [Fact]
    public void Compare_FingerprintOfAnotherSchemaVersion_ExitsThreeWithTheFix()
    {
        string file = _directory.File("future.json");
        Assert.Equal(0, CliRun.Invoke("fingerprint", Model("m"), "--out", file).ExitCode);
        File.WriteAllText(file, File.ReadAllText(file).Replace("\"schemaVersion\": 1", "\"schemaVersion\": 9"));

        CliResult result = CliRun.Invoke("compare", file, file);

        Assert.Equal(3, result.ExitCode);
        Assert.Equal($"error: {file}: has schemaVersion 9, which this TensorGuard does not read (it reads 1); use the TensorGuard version that wrote it, or recompute it with `tensorguard fingerprint MODEL`", Assert.Single(result.ErrorLines));
    }

    private string Model(string name)
    {
        string directory = _directory.File(name);
        Directory.CreateDirectory(directory);
        SafetensorsWriter.Write(Path.Combine(directory, "model.safetensors"), TinyModels.Llama());
        return directory;
    }
}
