namespace TensorGuard.Core.Formats.Onnx;

/// <summary>ONNX <c>TensorProto.DataType</c> values and the typed field that carries each (onnx.proto).</summary>
internal static class OnnxDTypes
{
    private static readonly Dictionary<long, (string Name, TensorDType? DType)> Types = new()
    {
        [1] = ("FLOAT", TensorDType.F32),
        [2] = ("UINT8", TensorDType.U8),
        [3] = ("INT8", TensorDType.I8),
        [4] = ("UINT16", TensorDType.U16),
        [5] = ("INT16", TensorDType.I16),
        [6] = ("INT32", TensorDType.I32),
        [7] = ("INT64", TensorDType.I64),
        [8] = ("STRING", null),
        [9] = ("BOOL", TensorDType.Bool),
        [10] = ("FLOAT16", TensorDType.F16),
        [11] = ("DOUBLE", TensorDType.F64),
        [12] = ("UINT32", TensorDType.U32),
        [13] = ("UINT64", TensorDType.U64),
        [14] = ("COMPLEX64", TensorDType.C64),
        [15] = ("COMPLEX128", null),
        [16] = ("BFLOAT16", TensorDType.BF16),
        [17] = ("FLOAT8E4M3FN", TensorDType.F8E4M3),
        [18] = ("FLOAT8E4M3FNUZ", TensorDType.F8E4M3Fnuz),
        [19] = ("FLOAT8E5M2", TensorDType.F8E5M2),
        [20] = ("FLOAT8E5M2FNUZ", TensorDType.F8E5M2Fnuz),
        [21] = ("UINT4", TensorDType.U4),
        [22] = ("INT4", TensorDType.I4),
        [23] = ("FLOAT4E2M1", null),
    };

    public static TensorDType? FromOnnx(long dataType) => Types.GetValueOrDefault(dataType).DType;

    public static string Name(long dataType) => Types.TryGetValue(dataType, out var type) ? type.Name : $"#{dataType}";

    /// <summary>The TensorProto field number that holds values of <paramref name="dtype"/> when raw_data is absent.</summary>
    public static int TypedField(TensorDType dtype) => dtype switch
    {
        TensorDType.F32 or TensorDType.C64 => 4,
        TensorDType.I64 => 7,
        TensorDType.F64 => 10,
        TensorDType.U32 or TensorDType.U64 => 11,
        _ => 5,
    };
}
