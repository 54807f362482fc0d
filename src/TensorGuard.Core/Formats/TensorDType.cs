namespace TensorGuard.Core.Formats;

/// <summary>Element types a tensor can be stored in, across every supported format.</summary>
public enum TensorDType
{
    Bool,
    U8,
    I8,
    F8E5M2,
    F8E4M3,
    F8E8M0,
    F8E4M3Fnuz,
    F8E5M2Fnuz,
    I16,
    U16,
    F16,
    BF16,
    I32,
    U32,
    F32,
    C64,
    F64,
    I64,
    U64,
    F4,
    F6E2M3,
    F6E3M2,

    // llama.cpp block-quantized types (GGUF): values come in blocks of 32 (Q4_0…Q8_0) or 256 (K-quants)
    // elements sharing scales, so they have no per-element bit size and are dequantized by their reader.
    Q40,
    Q41,
    Q50,
    Q51,
    Q80,
    Q2K,
    Q3K,
    Q4K,
    Q5K,
    Q6K,

    // Signed and unsigned 4-bit integers, two per byte with the first element in the low nibble (ONNX INT4/UINT4).
    I4,
    U4,
}
