using System.Text;
using System.Text.Json;
using Snapshooter.Xunit3;
using TensorGuard.Core.Fingerprints;

namespace TensorGuard.Core.Tests.Fingerprints;

public sealed class FingerprintDocumentTests
{
    // Llama-3.2-1B's published fingerprint (security-pride/TensorGuard, features/, Apache-2.0), verbatim.
    private const string ReferenceLlama = """
        {
          "global_mean": 7.700637120630441e-06,
          "global_std": 0.023730750673760972,
          "global_norm": 53.0791153717041,
          "global_skewness": 0.004063353528591947,
          "global_kurtosis": 6.460792093905108,
          "attention_mean": 2.9094686373317316e-05,
          "attention_std": 0.04086056067608297,
          "attention_norm": 48.1376545270284,
          "ffn_mean": 2.5150170737712564e-07,
          "ffn_std": 0.014183754461507003,
          "ffn_norm": 58.096611455281575,
          "embedding_mean": -4.0629882823850495e-05,
          "embedding_std": 0.002946491725742817,
          "embedding_norm": 47.75747833251953,
          "total_params": 1235814400,
          "num_layers": 10,
          "model_name": "llama-3.2-1b"
        }
        """;

    [Fact]
    public void Parse_ReferenceFile_ReadsEveryFeatureAndName()
    {
        FingerprintDocument document = Parse(ReferenceLlama);

        Assert.Equal(FingerprintFormat.Reference, document.Format);
        Assert.Equal("llama-3.2-1b", document.ModelName);
        Assert.Equal(1235814400, document.ParameterCount);
        GradientFeatures features = document.RequireGradient("test").Features;
        Assert.Equal(0.023730750673760972, features["global_std"]);
        Assert.Equal(10, features[GradientFeatures.NumLayers]);
        Assert.True(features.Has(LayerType.Embedding));
        Assert.False(features.Has(LayerType.Norm));
        Assert.Null(features["attention_skewness"]);
        Assert.Equal(16, features.Vector(GradientFeatures.ReferenceNames).Length);
    }

    [Fact]
    public void Write_ReferenceFormat_ReproducesTheReferenceFileExactly()
    {
        FingerprintDocument document = Parse(ReferenceLlama);

        string written = FingerprintWriter.ToJson(document, FingerprintFormat.Reference);

        Assert.Equal(Normalise(ReferenceLlama), Normalise(written));
    }

    [Fact]
    public void Parse_ReferenceFileWithoutALayerType_LeavesThatGroupAbsent()
    {
        string json = RemoveKeys(ReferenceLlama, "embedding_mean", "embedding_std", "embedding_norm");

        GradientFeatures features = Parse(json).RequireGradient("test").Features;

        Assert.False(features.Has(LayerType.Embedding));
        Assert.True(features.Has(LayerType.Attention));
    }

    [Fact]
    public void Parse_ReferenceFileWithNullGroup_TreatsItAsAbsent()
    {
        string json = ReferenceLlama.Replace("-4.0629882823850495e-05", "null").Replace("0.002946491725742817", "null").Replace("47.75747833251953", "null");

        Assert.False(Parse(json).RequireGradient("test").Features.Has(LayerType.Embedding));
    }

    [Theory]
    [InlineData("global_std", "required feature global_std is missing")]
    [InlineData("attention_norm", "attention group is incomplete (missing attention_norm)")]
    [InlineData("total_params", "required feature total_params is missing")]
    public void Parse_ReferenceFileMissingAFeature_NamesIt(string key, string expected)
    {
        var error = Assert.Throws<InvalidInputException>(() => Parse(RemoveKeys(ReferenceLlama, key)));

        Assert.Contains("fp.json: ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("-Infinity")]
    public void Parse_PythonNonFiniteLiteral_SaysWhichFeature(string literal)
    {
        string json = ReferenceLlama.Replace("0.004063353528591947", literal);

        var error = Assert.Throws<InvalidInputException>(() => Parse(json));

        Assert.Contains($"feature \"global_skewness\" is {literal}, not a finite number", error.Message);
    }

    [Fact]
    public void Parse_OverflowingNumber_IsNotFinite()
    {
        var error = Assert.Throws<InvalidInputException>(() => Parse(ReferenceLlama.Replace("53.0791153717041", "1e999")));

        Assert.Contains("feature global_norm is 1e999, not a finite number", error.Message);
    }

    [Fact]
    public void RoundTrip_OurFormat_PreservesEverythingByteForByte()
    {
        FingerprintDocument document = Sample();

        string json = FingerprintWriter.ToJson(document);
        FingerprintDocument read = Parse(json);

        Assert.Equal(json, FingerprintWriter.ToJson(read));
        Assert.Equal(document.ModelName, read.ModelName);
        Assert.Equal(document.Files, read.Files);
        Assert.Equal(document.Gradient!.Parameters, read.Gradient!.Parameters);
        Assert.Equal(document.Gradient.Features.Present, read.Gradient.Features.Present);
        Assert.Equal(document.Gradient.Tensors.Select(t => t.Statistics), read.Gradient.Tensors.Select(t => t.Statistics));
        Assert.Equal(document.Warnings, read.Warnings);
    }

    [Fact]
    public void Write_OurFormat_MatchesSnapshot()
    {
        Snapshot.Match(FingerprintWriter.ToJson(Sample()));
    }

    [Fact]
    public void Write_OurFormatToReference_WritesOnlyReferenceKeys()
    {
        using JsonDocument written = JsonDocument.Parse(FingerprintWriter.ToJson(Sample(), FingerprintFormat.Reference));

        string[] keys = written.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal([.. GradientFeatures.ReferenceNames.Where(n => !n.StartsWith("ffn_") && !n.StartsWith("embedding_")), "model_name"], keys);
        Assert.Equal(JsonValueKind.Number, written.RootElement.GetProperty("total_params").ValueKind);
        Assert.Equal("123", written.RootElement.GetProperty("total_params").GetRawText());
    }

    [Fact]
    public void Parse_UnknownSchemaVersion_IsRejectedWithTheFix()
    {
        string json = FingerprintWriter.ToJson(Sample()).Replace("\"schemaVersion\": 1", "\"schemaVersion\": 2");

        var error = Assert.Throws<InvalidInputException>(() => Parse(json));

        Assert.Equal("fp.json: has schemaVersion 2, which this TensorGuard does not read (it reads 1); use the TensorGuard version that wrote it, or recompute it with `tensorguard fingerprint MODEL`", error.Message);
    }

    [Fact]
    public void Parse_UnknownMethod_IsRejected()
    {
        string json = FingerprintWriter.ToJson(Sample()).Replace("\"tensorguard-gradient\"", "\"someone-elses-method\"");

        var error = Assert.Throws<InvalidInputException>(() => Parse(json));

        Assert.Contains("method \"someone-elses-method\", which this TensorGuard does not know", error.Message);
    }

    [Fact]
    public void Parse_OtherMethodVersion_IsRejected()
    {
        string json = FingerprintWriter.ToJson(Sample()).Replace($"\"version\": {GradientFingerprint.MethodVersion}", "\"version\": 7");

        var error = Assert.Throws<InvalidInputException>(() => Parse(json));

        Assert.Contains("holds tensorguard-gradient version 7", error.Message);
    }

    [Fact]
    public void RequireGradient_DocumentWithoutGradient_SaysHowToFix()
    {
        string json = FingerprintWriter.ToJson(Sample() with { Gradient = null });

        var error = Assert.Throws<InvalidInputException>(() => Parse(json).RequireGradient("fp.json"));

        Assert.Equal("fp.json: holds no tensorguard-gradient fingerprint; recompute it with `tensorguard fingerprint MODEL`", error.Message);
    }

    [Theory]
    [InlineData("[1, 2]", "the JSON is not an object")]
    [InlineData("{\"hello\": 1}", "is not a fingerprint (neither")]
    [InlineData("{\"global_mean\": 1,", "is not valid JSON at line 1")]
    [InlineData("", "is not valid JSON")]
    [InlineData("{\"schema\": \"other\", \"schemaVersion\": 1}", "has schema \"other\", not tensorguard-fingerprint")]
    [InlineData("{\"schema\": \"tensorguard-fingerprint\", \"schemaVersion\": \"1\"}", "\"schemaVersion\" is a string, expected a number")]
    [InlineData("{\"global_mean\": 1, \"global_mean\": 2}", "is not valid JSON")]
    public void Parse_Malformed_GivesOneClearMessage(string json, string expected)
    {
        var error = Assert.Throws<InvalidInputException>(() => Parse(json));

        Assert.StartsWith("fp.json: ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Read_MissingFile_IsInvalidInput()
    {
        string path = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.json");

        var error = Assert.Throws<InvalidInputException>(() => FingerprintReader.Read(path));

        Assert.Equal($"{path}: no such file; check the path", error.Message);
    }

    [Theory]
    [InlineData("a/fp.json", true)]
    [InlineData("a/model.safetensors.index.json", false)]
    [InlineData("a/model.safetensors", false)]
    public void IsFingerprintPath_TellsFingerprintsFromModels(string path, bool expected)
    {
        Assert.Equal(expected, FingerprintReader.IsFingerprintPath(path));
    }

    [Fact]
    public void Names_AreCanonicalAndContainTheReferenceKeysInOrder()
    {
        Assert.Equal(27, GradientFeatures.Names.Count);
        Assert.Equal(GradientFeatures.ReferenceNames, GradientFeatures.Names.Where(GradientFeatures.ReferenceNames.Contains));
    }

    private static FingerprintDocument Parse(string json) =>
        FingerprintReader.Parse(Encoding.UTF8.GetBytes(json), "fp.json", "fallback");

    private static string Normalise(string json) =>
        string.Join("\n", json.Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0)).Replace("e-0", "E-0");

    private static string RemoveKeys(string json, params string[] keys) =>
        string.Join("\n", json.Split('\n').Where(line => !keys.Any(key => line.Contains($"\"{key}\""))));

    private static FingerprintDocument Sample()
    {
        TensorGradient[] tensors =
        [
            new("model.layers.0.self_attn.q_proj.weight", [8, 4], LayerType.Attention, new GradientStatistics(1e-6, 0.25, 2.0, -0.125, 6.5)),
            new("onnx::MatMul_7", [4, 4], LayerType.Other, new GradientStatistics(-3e-7, 0.5, 1.5, 0.0625, 5.75)),
        ];
        return new FingerprintDocument
        {
            ModelName = "tiny",
            ParameterCount = 123,
            Files = [new SourceFile("model.safetensors", new string('a', 64), 456)],
            Gradient = new GradientFingerprint(
                new GradientParameters(42, ["gaussian", "adversarial"], 3, 0.03, 10, 4),
                GradientFeatures.Aggregate(tensors, 123),
                tensors),
            Warnings = ["a warning"],
        };
    }
}
