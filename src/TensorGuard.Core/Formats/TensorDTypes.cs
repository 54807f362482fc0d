using System.Collections.Frozen;

namespace TensorGuard.Core.Formats;

/// <summary>Names and storage sizes of <see cref="TensorDType"/> values.</summary>
public static class TensorDTypes
{
    private static readonly FrozenDictionary<string, TensorDType> BySafetensorsName = new Dictionary<string, TensorDType>
    {
        ["BOOL"] = TensorDType.Bool,
        ["U8"] = TensorDType.U8,
        ["I8"] = TensorDType.I8,
        ["F8_E5M2"] = TensorDType.F8E5M2,
        ["F8_E4M3"] = TensorDType.F8E4M3,
        ["F8_E8M0"] = TensorDType.F8E8M0,
        ["F8_E4M3FNUZ"] = TensorDType.F8E4M3Fnuz,
        ["F8_E5M2FNUZ"] = TensorDType.F8E5M2Fnuz,
        ["I16"] = TensorDType.I16,
        ["U16"] = TensorDType.U16,
        ["F16"] = TensorDType.F16,
        ["BF16"] = TensorDType.BF16,
        ["I32"] = TensorDType.I32,
        ["U32"] = TensorDType.U32,
        ["F32"] = TensorDType.F32,
        ["C64"] = TensorDType.C64,
        ["F64"] = TensorDType.F64,
        ["I64"] = TensorDType.I64,
        ["U64"] = TensorDType.U64,
        ["F4"] = TensorDType.F4,
        ["F6_E2M3"] = TensorDType.F6E2M3,
        ["F6_E3M2"] = TensorDType.F6E3M2,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<TensorDType, string> Names = BySafetensorsName
        .Select(pair => KeyValuePair.Create(pair.Value, pair.Key))
        .Concat(new Dictionary<TensorDType, string>
        {
            [TensorDType.Q40] = "Q4_0",
            [TensorDType.Q41] = "Q4_1",
            [TensorDType.Q50] = "Q5_0",
            [TensorDType.Q51] = "Q5_1",
            [TensorDType.Q80] = "Q8_0",
            [TensorDType.Q2K] = "Q2_K",
            [TensorDType.Q3K] = "Q3_K",
            [TensorDType.Q4K] = "Q4_K",
            [TensorDType.Q5K] = "Q5_K",
            [TensorDType.Q6K] = "Q6_K",
            [TensorDType.I4] = "I4",
            [TensorDType.U4] = "U4",
        })
        .ToFrozenDictionary();

    /// <summary>Parses a safetensors dtype name such as <c>BF16</c>.</summary>
    public static bool TryParseSafetensorsName(string name, out TensorDType dtype) =>
        BySafetensorsName.TryGetValue(name, out dtype);

    /// <summary>The safetensors spelling of a dtype (llama.cpp's for block-quantized types), also used in reports.</summary>
    public static string Name(this TensorDType dtype) => Names[dtype];

    /// <summary>Storage size in bits of one element (sub-byte types are 4 or 6; block-quantized types have none).</summary>
    public static int BitSize(this TensorDType dtype) => dtype switch
    {
        TensorDType.F4 or TensorDType.I4 or TensorDType.U4 => 4,
        TensorDType.F6E2M3 or TensorDType.F6E3M2 => 6,
        TensorDType.Bool or TensorDType.U8 or TensorDType.I8 or TensorDType.F8E5M2 or TensorDType.F8E4M3
            or TensorDType.F8E8M0 or TensorDType.F8E4M3Fnuz or TensorDType.F8E5M2Fnuz => 8,
        TensorDType.I16 or TensorDType.U16 or TensorDType.F16 or TensorDType.BF16 => 16,
        TensorDType.I32 or TensorDType.U32 or TensorDType.F32 => 32,
        TensorDType.C64 or TensorDType.F64 or TensorDType.I64 or TensorDType.U64 => 64,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown dtype."),
    };

    /// <summary>
    /// Whether tensors of this dtype can be read as float32: element-wise by <see cref="Float32Converter"/>,
    /// or block-wise by the reader of a block-quantized format (see <see cref="IsBlockQuantized"/>).
    /// </summary>
    public static bool IsConvertible(this TensorDType dtype) => dtype switch
    {
        TensorDType.C64 or TensorDType.F4 or TensorDType.I4 or TensorDType.U4 or TensorDType.F6E2M3 or TensorDType.F6E3M2 => false,
        _ => true,
    };

    /// <summary>Whether the dtype stores blocks of elements with shared scales (llama.cpp quantization).</summary>
    public static bool IsBlockQuantized(this TensorDType dtype) => dtype is TensorDType.Q40 or TensorDType.Q41
        or TensorDType.Q50 or TensorDType.Q51 or TensorDType.Q80 or TensorDType.Q2K or TensorDType.Q3K
        or TensorDType.Q4K or TensorDType.Q5K or TensorDType.Q6K;

    /// <summary>Whether the dtype holds real-valued weights (as opposed to integer ids or masks).</summary>
    public static bool IsFloatingPoint(this TensorDType dtype) => dtype switch
    {
        TensorDType.F8E5M2 or TensorDType.F8E4M3 or TensorDType.F8E8M0 or TensorDType.F8E4M3Fnuz
            or TensorDType.F8E5M2Fnuz or TensorDType.F16 or TensorDType.BF16 or TensorDType.F32
            or TensorDType.F64 or TensorDType.F4 or TensorDType.F6E2M3 or TensorDType.F6E3M2 => true,
        _ => dtype.IsBlockQuantized(),
    };
}
