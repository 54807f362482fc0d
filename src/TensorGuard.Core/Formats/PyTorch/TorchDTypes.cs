using System.Collections.Frozen;

namespace TensorGuard.Core.Formats.PyTorch;

/// <summary>
/// The element types of PyTorch checkpoints. <c>_rebuild_tensor_v2</c> names them by a typed storage class
/// (<c>torch.FloatStorage</c>, …); since torch 2.1 the dtypes of <c>torch.storage._new_dtypes()</c> (8-bit floats,
/// uint16/32/64, …) are saved by <c>_rebuild_tensor_v3</c> instead, over a <c>torch.storage.UntypedStorage</c> of
/// bytes, with the dtype as a global <c>torch.&lt;name&gt;</c>. These names are inert data, as torch's own
/// <c>weights_only</c> loader treats them; nothing here is ever called.
/// </summary>
public static class TorchDTypes
{
    /// <summary>The storage class of <c>_rebuild_tensor_v3</c>: bytes, read as whatever dtype the tensor names.</summary>
    public const string UntypedStorage = "torch.storage.UntypedStorage";

    private static readonly FrozenDictionary<string, TensorDType> StorageClasses = new Dictionary<string, TensorDType>
    {
        ["torch.FloatStorage"] = TensorDType.F32,
        ["torch.DoubleStorage"] = TensorDType.F64,
        ["torch.HalfStorage"] = TensorDType.F16,
        ["torch.BFloat16Storage"] = TensorDType.BF16,
        ["torch.LongStorage"] = TensorDType.I64,
        ["torch.IntStorage"] = TensorDType.I32,
        ["torch.ShortStorage"] = TensorDType.I16,
        ["torch.CharStorage"] = TensorDType.I8,
        ["torch.ByteStorage"] = TensorDType.U8,
        ["torch.BoolStorage"] = TensorDType.Bool,
        [UntypedStorage] = TensorDType.U8,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    // Each dtype under the name a pickle holds: torch.dtype.__reduce__ returns the primary name (float32, never float).
    private static readonly FrozenDictionary<string, TensorDType> Readable = new Dictionary<string, TensorDType>
    {
        ["float32"] = TensorDType.F32,
        ["float64"] = TensorDType.F64,
        ["float16"] = TensorDType.F16,
        ["bfloat16"] = TensorDType.BF16,
        ["int64"] = TensorDType.I64,
        ["int32"] = TensorDType.I32,
        ["int16"] = TensorDType.I16,
        ["int8"] = TensorDType.I8,
        ["uint8"] = TensorDType.U8,
        ["bool"] = TensorDType.Bool,
        ["float8_e4m3fn"] = TensorDType.F8E4M3,
        ["float8_e5m2"] = TensorDType.F8E5M2,
        ["float8_e4m3fnuz"] = TensorDType.F8E4M3Fnuz,
        ["float8_e5m2fnuz"] = TensorDType.F8E5M2Fnuz,
        ["float8_e8m0fnu"] = TensorDType.F8E8M0,
        ["uint16"] = TensorDType.U16,
        ["uint32"] = TensorDType.U32,
        ["uint64"] = TensorDType.U64,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    // Dtypes torch saves that have no TensorGuard element type: admitted as globals so that the refusal can name the
    // tensor, rather than calling an inert name an unsafe pickle.
    private static readonly FrozenSet<string> Unreadable = new[]
    {
        "complex32", "complex64", "complex128", "float4_e2m1fn_x2", "bits8", "bits16", "bits1x8", "bits2x4", "bits4x2",
        "uint1", "uint2", "uint3", "uint4", "uint5", "uint6", "uint7", "int1", "int2", "int3", "int4", "int5", "int6", "int7",
    }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenDictionary<TensorDType, string> Names = Readable.ToFrozenDictionary(pair => pair.Value, pair => pair.Key);

    /// <summary>The element type of a storage class named <c>module.name</c>, such as <c>torch.HalfStorage</c>.</summary>
    public static bool TryStorageClass(string fullName, out TensorDType dtype) => StorageClasses.TryGetValue(fullName, out dtype);

    /// <summary>The legacy storage class of <paramref name="dtype"/> (<c>torch.FloatStorage</c>), or null where torch saves it with <c>_rebuild_tensor_v3</c>.</summary>
    public static string? StorageClass(TensorDType dtype) =>
        StorageClasses.FirstOrDefault(pair => pair.Value == dtype && pair.Key != UntypedStorage).Key;

    /// <summary>Whether <c>torch.&lt;name&gt;</c> is a dtype torch saves, readable or not.</summary>
    public static bool IsDType(string name) => Readable.ContainsKey(name) || Unreadable.Contains(name);

    /// <summary>The element type of the dtype <c>torch.&lt;name&gt;</c>, where TensorGuard has one.</summary>
    public static bool TryParse(string name, out TensorDType dtype) => Readable.TryGetValue(name, out dtype);

    /// <summary>The name of <paramref name="dtype"/> as torch pickles it (<c>float8_e4m3fn</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">PyTorch has no such dtype.</exception>
    public static string Name(TensorDType dtype) =>
        Names.TryGetValue(dtype, out string? name) ? name : throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "PyTorch has no such dtype.");
}
