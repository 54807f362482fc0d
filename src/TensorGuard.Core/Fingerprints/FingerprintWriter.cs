using System.Text;
using System.Text.Json;
using TensorGuard.Core.Fingerprints.Identity;
using TensorGuard.Core.Fingerprints.Lineage;

namespace TensorGuard.Core.Fingerprints;

/// <summary>
/// Writes fingerprint documents as JSON: fixed key order, two-space indentation, <c>\n</c> line ends and
/// shortest round-trip invariant numbers, so the same fingerprint is always the same bytes.
/// </summary>
public static class FingerprintWriter
{
    /// <summary>The document as JSON text ending in a newline.</summary>
    public static string ToJson(FingerprintDocument document, FingerprintFormat format = FingerprintFormat.TensorGuard)
    {
        using var buffer = new MemoryStream();
        Write(document, buffer, format);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Writes the document as UTF-8 JSON followed by a newline.</summary>
    /// <exception cref="InvalidInputException">The reference format is asked for a document without a gradient fingerprint.</exception>
    public static void Write(FingerprintDocument document, Stream stream, FingerprintFormat format = FingerprintFormat.TensorGuard)
    {
        using (var json = new Utf8JsonWriter(stream, JsonSettings.Writer))
        {
            Write(document, json, format);
        }

        stream.WriteByte((byte)'\n');
    }

    /// <summary>Writes the document as one JSON value into <paramref name="json"/> (e.g. as an array element).</summary>
    public static void Write(FingerprintDocument document, Utf8JsonWriter json, FingerprintFormat format = FingerprintFormat.TensorGuard)
    {
        if (format == FingerprintFormat.Reference)
        {
            WriteReference(document, json);
        }
        else
        {
            WriteTensorGuard(document, json);
        }
    }

    /// <summary>Writes several documents as one JSON array followed by a newline.</summary>
    public static void WriteArray(IEnumerable<FingerprintDocument> documents, Stream stream, FingerprintFormat format = FingerprintFormat.TensorGuard)
    {
        using (var json = new Utf8JsonWriter(stream, JsonSettings.Writer))
        {
            json.WriteStartArray();
            foreach (FingerprintDocument document in documents)
            {
                Write(document, json, format);
            }

            json.WriteEndArray();
        }

        stream.WriteByte((byte)'\n');
    }

    private static void WriteTensorGuard(FingerprintDocument document, Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("schema", FingerprintDocument.SchemaId);
        json.WriteNumber("schemaVersion", FingerprintDocument.SchemaVersion);
        json.WriteStartObject("model");
        json.WriteString("name", document.ModelName);
        json.WriteNumber("parameterCount", document.ParameterCount);
        json.WriteStartArray("files");
        foreach (SourceFile file in document.Files)
        {
            json.WriteStartObject();
            json.WriteString("path", file.Path);
            json.WriteString("sha256", file.Sha256);
            json.WriteNumber("size", file.Size);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteStartObject("methods");
        if (document.Gradient is { } gradient)
        {
            json.WritePropertyName(GradientFingerprint.MethodId);
            WriteGradient(gradient, json);
        }

        if (document.Lineage is { } lineage)
        {
            json.WritePropertyName(LineageSettings.MethodId);
            WriteLineage(lineage, json);
        }

        if (document.Identity is { } identity)
        {
            json.WritePropertyName(IdentityFingerprint.MethodId);
            WriteIdentity(identity, json);
        }

        json.WriteEndObject();
        json.WriteStartArray("warnings");
        foreach (string warning in document.Warnings)
        {
            json.WriteStringValue(warning);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteGradient(GradientFingerprint gradient, Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteNumber("version", GradientFingerprint.MethodVersion);
        if (gradient.Parameters is { } parameters)
        {
            json.WriteStartObject("parameters");
            json.WriteNumber("probeSeed", parameters.ProbeSeed);
            json.WriteStartArray("probeKinds");
            foreach (string kind in parameters.ProbeKinds)
            {
                json.WriteStringValue(kind);
            }

            json.WriteEndArray();
            json.WriteNumber("probesPerKind", parameters.ProbesPerKind);
            json.WriteNumber("adversarialEpsilon", parameters.AdversarialEpsilon);
            json.WriteNumber("adversarialClasses", parameters.AdversarialClasses);
            json.WriteNumber("tensorsPerRole", parameters.TensorsPerRole);
            json.WriteEndObject();
        }

        json.WriteStartObject("features");
        foreach ((string name, double value) in gradient.Features.Present)
        {
            json.WriteNumber(name, value);
        }

        json.WriteEndObject();
        json.WriteStartArray("tensors");
        foreach (TensorGradient tensor in gradient.Tensors)
        {
            json.WriteStartObject();
            json.WriteString("name", tensor.Name);
            WriteShape(tensor.Shape, json);
            json.WriteString("layerType", tensor.LayerType.Name());
            for (int i = 0; i < GradientStatistics.Names.Count; i++)
            {
                json.WriteNumber(GradientStatistics.Names[i], tensor.Statistics.Values[i]);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteShape(IEnumerable<long> shape, Utf8JsonWriter json)
    {
        json.WriteStartArray("shape");
        foreach (long dim in shape)
        {
            json.WriteNumberValue(dim);
        }

        json.WriteEndArray();
    }

    // The sketch itself is opaque base64 (see LineageSketchCodec); the readable fields beside it say what it covers.
    private static void WriteLineage(LineageSketch lineage, Utf8JsonWriter json)
    {
        byte[] sketch = LineageSketchCodec.Encode(lineage);
        json.WriteStartObject();
        json.WriteNumber("version", LineageSettings.Version);
        json.WriteNumber("hiddenSize", lineage.HiddenSize);
        json.WriteNumber("views", lineage.Views.Count);
        json.WriteNumber("anchors", lineage.Anchors.Count);
        json.WriteNumber("sketchBytes", sketch.Length);
        json.WriteBase64String("sketch", sketch);
        json.WriteEndObject();
    }

    private static void WriteIdentity(IdentityFingerprint identity, Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteNumber("version", IdentityFingerprint.Version);
        json.WriteString("hash", IdentityFingerprint.HashName);
        json.WriteStartArray("tensors");
        foreach (TensorHash tensor in identity.Tensors)
        {
            json.WriteStartObject();
            json.WriteString("name", tensor.Name);
            json.WriteString("dtype", tensor.DType);
            WriteShape(tensor.Shape, json);
            json.WriteNumber("bytes", tensor.Bytes);
            json.WriteString("hash", tensor.Hash);
            json.WriteBoolean("trivial", tensor.Trivial);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    // The reference's flat object: its 16 numeric keys where present (norm_* too, which it emits when it
    // finds 2-D norm weights), integers as integers, then model_name.
    private static void WriteReference(FingerprintDocument document, Utf8JsonWriter json)
    {
        GradientFeatures features = document.RequireGradient(document.ModelName).Features;
        json.WriteStartObject();
        foreach (string name in ReferenceLayout.Keys)
        {
            if (features[name] is not { } value)
            {
                continue;
            }

            if (name is GradientFeatures.TotalParams or GradientFeatures.NumLayers)
            {
                json.WriteNumber(name, (long)value);
            }
            else
            {
                json.WriteNumber(name, value);
            }
        }

        json.WriteString(ReferenceLayout.ModelName, document.ModelName);
        json.WriteEndObject();
    }
}
