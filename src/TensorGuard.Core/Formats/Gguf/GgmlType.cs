namespace TensorGuard.Core.Formats.Gguf;

/// <summary>
/// A ggml tensor type as stored in GGUF tensor infos: how many elements one block holds and how many bytes
/// it takes (ggml.c <c>type_traits</c>). Only the types we can read as float32 map to a <see cref="TensorDType"/>.
/// </summary>
public sealed record GgmlType(uint Id, string Name, int BlockSize, int BlockBytes, TensorDType? DType)
{
    /// <summary>Elements per K-quant super-block (ggml <c>QK_K</c>).</summary>
    public const int SuperBlock = 256;

    // Ids and names follow ggml.h's enum ggml_type; ids 4 and 5 (Q4_2, Q4_3) were removed upstream.
    private static readonly GgmlType[] Known =
    [
        new(0, "F32", 1, 4, TensorDType.F32),
        new(1, "F16", 1, 2, TensorDType.F16),
        new(2, "Q4_0", 32, 18, TensorDType.Q40),
        new(3, "Q4_1", 32, 20, TensorDType.Q41),
        new(6, "Q5_0", 32, 22, TensorDType.Q50),
        new(7, "Q5_1", 32, 24, TensorDType.Q51),
        new(8, "Q8_0", 32, 34, TensorDType.Q80),
        new(9, "Q8_1", 32, 36, null),
        new(10, "Q2_K", SuperBlock, 84, TensorDType.Q2K),
        new(11, "Q3_K", SuperBlock, 110, TensorDType.Q3K),
        new(12, "Q4_K", SuperBlock, 144, TensorDType.Q4K),
        new(13, "Q5_K", SuperBlock, 176, TensorDType.Q5K),
        new(14, "Q6_K", SuperBlock, 210, TensorDType.Q6K),
        new(15, "Q8_K", SuperBlock, 292, null),
        new(16, "IQ2_XXS", SuperBlock, 66, null),
        new(17, "IQ2_XS", SuperBlock, 74, null),
        new(18, "IQ3_XXS", SuperBlock, 98, null),
        new(19, "IQ1_S", SuperBlock, 50, null),
        new(20, "IQ4_NL", 32, 18, null),
        new(21, "IQ3_S", SuperBlock, 110, null),
        new(22, "IQ2_S", SuperBlock, 82, null),
        new(23, "IQ4_XS", SuperBlock, 136, null),
        new(24, "I8", 1, 1, TensorDType.I8),
        new(25, "I16", 1, 2, TensorDType.I16),
        new(26, "I32", 1, 4, TensorDType.I32),
        new(27, "I64", 1, 8, TensorDType.I64),
        new(28, "F64", 1, 8, TensorDType.F64),
        new(29, "IQ1_M", SuperBlock, 56, null),
        new(30, "BF16", 1, 2, TensorDType.BF16),
        new(34, "TQ1_0", SuperBlock, 54, null),
        new(35, "TQ2_0", SuperBlock, 66, null),
        new(39, "MXFP4", 32, 17, null),
    ];

    private static readonly Dictionary<uint, GgmlType> ById = Known.ToDictionary(type => type.Id);

    private static readonly Dictionary<TensorDType, GgmlType> ByDType = Known
        .Where(type => type.DType is not null)
        .ToDictionary(type => type.DType!.Value);

    /// <summary>The type with id <paramref name="id"/>, or null when ggml defines none.</summary>
    public static GgmlType? FromId(uint id) => ById.GetValueOrDefault(id);

    /// <summary>The ggml type that stores <paramref name="dtype"/>, or null when GGUF cannot hold it.</summary>
    public static GgmlType? FromDType(TensorDType dtype) => ByDType.GetValueOrDefault(dtype);

    /// <summary>Bytes taken by <paramref name="elements"/> elements (a whole number of blocks).</summary>
    public long ByteCount(long elements) => checked(elements / BlockSize * BlockBytes);
}
