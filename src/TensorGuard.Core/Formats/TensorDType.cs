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
}
