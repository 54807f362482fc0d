using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace TensorGuard.Core.Formats.PyTorch;

/// <summary>
/// Interprets a pickle opcode stream (protocols 0–5) without executing anything: values are built by the
/// interpreter itself, and the only globals are an allow-list of tensor-rebuilding functions, storage
/// types, torch dtypes (<see cref="TorchDTypes"/>) and containers. Any other global stops the run with an
/// <see cref="UnsafePickleException"/>.
/// Memory is bounded by the stream: lengths are checked before anything is read, and the values built
/// (including every reference a container or the stack holds) are charged against a budget of
/// <see cref="BudgetPerStoredByte"/> times the pickle's stored size plus <see cref="BaseBudget"/>, at most
/// <see cref="MaxBudget"/>; a pickle that builds more (empty lists repeated millions of times from a
/// compressed entry) is refused. A memoised value reused by reference is charged as one reference.
/// </summary>
internal sealed class PickleMachine
{
    private const int MaxLongBytes = 1024;
    private const int MaxLineBytes = 4096;

    /// <summary>Budget for values built, per byte of the pickle as stored in the file (compressed or not).</summary>
    public const long BudgetPerStoredByte = 64;

    /// <summary>Budget for values built that every pickle gets, however small.</summary>
    public const long BaseBudget = 16L << 20;

    /// <summary>Most bytes of values any pickle may build; real state-dict pickles build a few megabytes.</summary>
    public const long MaxBudget = 256L << 20;

    // Approximate managed sizes: a reference slot, and an object's header with its fields.
    private const long Slot = 8;
    private const long ObjectBytes = 32;

    private static readonly HashSet<string> AllowedGlobals = new(StringComparer.Ordinal)
    {
        "torch._utils._rebuild_tensor",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_tensor_v3",
        "torch._utils._rebuild_parameter",
        "collections.OrderedDict",
        "torch.Size",
    };

    private readonly string _path;
    private readonly string _stream;
    private readonly Func<PickleTuple, TorchStorage> _persistentLoad;
    private readonly List<object?> _stack = [];
    private readonly List<int> _marks = [];
    private readonly Dictionary<long, object?> _memo = [];
    private readonly long _budget;
    private long _built;

    private PickleMachine(string path, string stream, Func<PickleTuple, TorchStorage> persistentLoad, long storedBytes)
    {
        _path = path;
        _stream = stream;
        _persistentLoad = persistentLoad;
        _budget = Math.Min(MaxBudget, BaseBudget + (BudgetPerStoredByte * Math.Max(storedBytes, 0)));
    }

    /// <summary>
    /// Runs the pickle starting at <paramref name="position"/> of <paramref name="data"/> up to its STOP
    /// opcode, leaving <paramref name="position"/> just after it, and returns the unpickled value.
    /// </summary>
    /// <param name="path">The file, for messages.</param>
    /// <param name="stream">The pickle's name inside the file, for messages (e.g. <c>archive/data.pkl</c>).</param>
    /// <param name="persistentLoad">Resolves a persistent id tuple to a storage; throws <see cref="ModelFormatException"/> if it cannot.</param>
    /// <param name="storedBytes">The pickle's size as stored in the file, which sets the memory budget.</param>
    /// <exception cref="UnsafePickleException">The pickle references a global outside the allow-list.</exception>
    /// <exception cref="ModelFormatException">The pickle is malformed, builds more than its budget, or uses a construct we do not interpret.</exception>
    public static object? Run(string path, string stream, ReadOnlySpan<byte> data, ref int position, Func<PickleTuple, TorchStorage> persistentLoad, long storedBytes) =>
        new PickleMachine(path, stream, persistentLoad, storedBytes).Execute(data, ref position);

    // Storage classes are admitted only as persistent-id type tags and dtypes only as _rebuild_tensor_v3's argument, never called.
    private static bool IsAllowed(string module, string name) =>
        AllowedGlobals.Contains($"{module}.{name}") || TorchDTypes.TryStorageClass($"{module}.{name}", out _)
        || (module == "torch" && TorchDTypes.IsDType(name));

    private object? Execute(ReadOnlySpan<byte> data, ref int position)
    {
        while (true)
        {
            if (position >= data.Length)
            {
                throw Malformed(position, "ends without a STOP opcode; the file is truncated");
            }

            int at = position;
            byte opcode = data[position++];
            switch (opcode)
            {
                case 0x80: // PROTO
                    byte protocol = Take(data, ref position, 1, at)[0];
                    if (protocol > 5)
                    {
                        throw Malformed(at, $"uses pickle protocol {protocol}; protocols 0 to 5 are supported");
                    }

                    break;
                case 0x95: // FRAME: a length hint only
                    Take(data, ref position, 8, at);
                    break;
                case 0x2E: // STOP
                    object? result = Pop(at);
                    if (_stack.Count != 0 || _marks.Count != 0)
                    {
                        throw Malformed(at, "stops with values left on the stack; the pickle is corrupt");
                    }

                    return result;
                case 0x28: // MARK
                    _marks.Add(_stack.Count);
                    break;
                case 0x30: // POP
                    if (_stack.Count > 0 && (_marks.Count == 0 || _marks[^1] < _stack.Count))
                    {
                        Pop(at);
                    }
                    else
                    {
                        PopMark(at);
                    }

                    break;
                case 0x31: // POP_MARK
                    PopMark(at);
                    break;
                case 0x32: // DUP
                    PushReference(Peek(at), at);
                    break;
                case 0x4E: // NONE
                    Push(null, at);
                    break;
                case 0x88: // NEWTRUE
                    Push(true, at);
                    break;
                case 0x89: // NEWFALSE
                    Push(false, at);
                    break;
                case 0x4A: // BININT
                    Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(data, ref position, 4, at)), at);
                    break;
                case 0x4B: // BININT1
                    Push((long)Take(data, ref position, 1, at)[0], at);
                    break;
                case 0x4D: // BININT2
                    Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(data, ref position, 2, at)), at);
                    break;
                case 0x8A: // LONG1
                    Push(Long(Take(data, ref position, Take(data, ref position, 1, at)[0], at)), at);
                    break;
                case 0x8B: // LONG4
                    Push(Long(Take(data, ref position, Length(data, ref position, 4, at, MaxLongBytes), at)), at);
                    break;
                case 0x47: // BINFLOAT (big-endian)
                    Push(BinaryPrimitives.ReadDoubleBigEndian(Take(data, ref position, 8, at)), at);
                    break;
                case 0x49: // INT (text)
                    Push(TextInteger(Line(data, ref position, at), at, allowBool: true), at);
                    break;
                case 0x4C: // LONG (text)
                    Push(TextInteger(Line(data, ref position, at).TrimEnd('L'), at, allowBool: false), at);
                    break;
                case 0x46: // FLOAT (text)
                    Push(TextFloat(Line(data, ref position, at), at), at);
                    break;
                case 0x53: // STRING (text, a quoted repr; escapes are kept as written)
                case 0x56: // UNICODE (text, raw-unicode-escape; escapes are kept as written)
                    string text = Line(data, ref position, at);
                    Push(opcode == 0x53 && text.Length >= 2 && text[0] is '\'' or '"' ? text[1..^1] : text, at);
                    break;
                case 0x58: // BINUNICODE
                    Push(Utf8(Take(data, ref position, Length(data, ref position, 4, at), at), at), at);
                    break;
                case 0x8C: // SHORT_BINUNICODE
                    Push(Utf8(Take(data, ref position, Take(data, ref position, 1, at)[0], at), at), at);
                    break;
                case 0x8D: // BINUNICODE8
                    Push(Utf8(Take(data, ref position, Length(data, ref position, 8, at), at), at), at);
                    break;
                case 0x54: // BINSTRING
                    Push(Latin1(Take(data, ref position, Length(data, ref position, 4, at), at)), at);
                    break;
                case 0x55: // SHORT_BINSTRING
                    Push(Latin1(Take(data, ref position, Take(data, ref position, 1, at)[0], at)), at);
                    break;
                case 0x42: // BINBYTES
                    Push(Take(data, ref position, Length(data, ref position, 4, at), at).ToArray(), at);
                    break;
                case 0x43: // SHORT_BINBYTES
                    Push(Take(data, ref position, Take(data, ref position, 1, at)[0], at).ToArray(), at);
                    break;
                case 0x8E: // BINBYTES8
                case 0x96: // BYTEARRAY8
                    Push(Take(data, ref position, Length(data, ref position, 8, at), at).ToArray(), at);
                    break;
                case 0x29: // EMPTY_TUPLE
                    Push(new PickleTuple([]), at);
                    break;
                case 0x85: // TUPLE1
                case 0x86: // TUPLE2
                case 0x87: // TUPLE3
                    int size = opcode - 0x84;
                    Push(new PickleTuple(PopMany(size, at)), at);
                    break;
                case 0x74: // TUPLE
                    Push(new PickleTuple(PopToMark(at)), at);
                    break;
                case 0x5D: // EMPTY_LIST
                    Push(new PickleList(), at);
                    break;
                case 0x6C: // LIST
                    var list = new PickleList();
                    list.AddRange(PopToMark(at));
                    Push(list, at);
                    break;
                case 0x7D: // EMPTY_DICT
                    Push(new PickleDict(), at);
                    break;
                case 0x64: // DICT
                    var dict = new PickleDict();
                    AddPairs(dict, PopToMark(at), at);
                    Push(dict, at);
                    break;
                case 0x8F: // EMPTY_SET
                    Push(new PickleSet(), at);
                    break;
                case 0x91: // FROZENSET
                    var frozen = new PickleSet();
                    frozen.AddRange(PopToMark(at));
                    Push(frozen, at);
                    break;
                case 0x61: // APPEND
                    object? item = Pop(at);
                    Charge(Slot, at);
                    Expect<PickleList>(Peek(at), "APPEND", at).Add(item);
                    break;
                case 0x65: // APPENDS
                    IReadOnlyList<object?> items = PopToMark(at);
                    Charge(Slot * items.Count, at);
                    Expect<PickleList>(Peek(at), "APPENDS", at).AddRange(items);
                    break;
                case 0x90: // ADDITEMS
                    IReadOnlyList<object?> members = PopToMark(at);
                    Charge(Slot * members.Count, at);
                    Expect<PickleSet>(Peek(at), "ADDITEMS", at).AddRange(members);
                    break;
                case 0x73: // SETITEM
                    object? value = Pop(at);
                    object? key = Pop(at);
                    Charge(2 * Slot, at);
                    Expect<PickleDict>(Peek(at), "SETITEM", at).Add(new(key, value));
                    break;
                case 0x75: // SETITEMS
                    IReadOnlyList<object?> pairs = PopToMark(at);
                    Charge(Slot * pairs.Count, at);
                    AddPairs(Expect<PickleDict>(Peek(at), "SETITEMS", at), pairs, at);
                    break;
                case 0x70: // PUT (text)
                    _memo[MemoIndex(Line(data, ref position, at), at)] = Peek(at);
                    break;
                case 0x71: // BINPUT
                    _memo[Take(data, ref position, 1, at)[0]] = Peek(at);
                    break;
                case 0x72: // LONG_BINPUT
                    _memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(data, ref position, 4, at))] = Peek(at);
                    break;
                case 0x94: // MEMOIZE
                    _memo[_memo.Count] = Peek(at);
                    break;
                case 0x67: // GET (text)
                    PushReference(Recall(MemoIndex(Line(data, ref position, at), at), at), at);
                    break;
                case 0x68: // BINGET
                    PushReference(Recall(Take(data, ref position, 1, at)[0], at), at);
                    break;
                case 0x6A: // LONG_BINGET
                    PushReference(Recall(BinaryPrimitives.ReadUInt32LittleEndian(Take(data, ref position, 4, at)), at), at);
                    break;
                case 0x63: // GLOBAL "module\nname\n"
                    string module = Line(data, ref position, at);
                    Push(Global(module, Line(data, ref position, at), "GLOBAL", at), at);
                    break;
                case 0x93: // STACK_GLOBAL
                    object? name = Pop(at);
                    object? owner = Pop(at);
                    if (owner is not string moduleName || name is not string globalName)
                    {
                        throw Malformed(at, "STACK_GLOBAL needs a module and a name (two strings) on the stack; the pickle is corrupt");
                    }

                    Push(Global(moduleName, globalName, "STACK_GLOBAL", at), at);
                    break;
                case 0x69: // INST "module\nname\n": instantiates a class with the marked arguments
                    string instModule = Line(data, ref position, at);
                    PickleGlobal instClass = Global(instModule, Line(data, ref position, at), "INST", at);
                    Push(Call(instClass, new PickleTuple(PopToMark(at)), "INST", at), at);
                    break;
                case 0x6F: // OBJ: instantiates the first marked item with the rest
                    IReadOnlyList<object?> objItems = PopToMark(at);
                    if (objItems.Count == 0 || objItems[0] is not PickleGlobal objClass)
                    {
                        throw Malformed(at, "OBJ needs a class on the stack; the pickle is corrupt");
                    }

                    Push(Call(objClass, new PickleTuple(objItems.Skip(1).ToArray()), "OBJ", at), at);
                    break;
                case 0x82: // EXT1
                case 0x83: // EXT2
                case 0x84: // EXT4
                    int width = opcode == 0x82 ? 1 : opcode == 0x83 ? 2 : 4;
                    ReadOnlySpan<byte> code = Take(data, ref position, width, at);
                    long extension = width == 1 ? code[0] : width == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(code) : BinaryPrimitives.ReadInt32LittleEndian(code);
                    throw new UnsafePickleException(_path, _stream, $"EXT{width}", at, $"copyreg extension {extension.ToString(CultureInfo.InvariantCulture)}");
                case 0x52: // REDUCE
                    object? arguments = Pop(at);
                    object? callable = Pop(at);
                    Push(Call(Expect<PickleGlobal>(callable, "REDUCE", at), Expect<PickleTuple>(arguments, "REDUCE", at), "REDUCE", at), at);
                    break;
                case 0x81: // NEWOBJ
                    object? newArguments = Pop(at);
                    object? cls = Pop(at);
                    Push(Call(Expect<PickleGlobal>(cls, "NEWOBJ", at), Expect<PickleTuple>(newArguments, "NEWOBJ", at), "NEWOBJ", at), at);
                    break;
                case 0x92: // NEWOBJ_EX
                    Pop(at);
                    object? exArguments = Pop(at);
                    object? exClass = Pop(at);
                    Push(Call(Expect<PickleGlobal>(exClass, "NEWOBJ_EX", at), Expect<PickleTuple>(exArguments, "NEWOBJ_EX", at), "NEWOBJ_EX", at), at);
                    break;
                case 0x62: // BUILD: sets an object's state; dict attributes (OrderedDict._metadata) do not matter to us
                    Pop(at);
                    if (Peek(at) is not (PickleDict or TorchTensor))
                    {
                        throw Malformed(at, "BUILD applies state to a value that is not a dict or a tensor; the pickle holds objects TensorGuard does not read");
                    }

                    break;
                case 0x51: // BINPERSID
                    object? pid = Pop(at);
                    Push(_persistentLoad(Expect<PickleTuple>(pid, "BINPERSID", at)), at);
                    break;
                case 0x50: // PERSID (text)
                    throw Malformed(at, "uses a text persistent id (PERSID), which PyTorch does not write; the file is not a PyTorch checkpoint");
                case 0x97: // NEXT_BUFFER
                case 0x98: // READONLY_BUFFER
                    throw Malformed(at, "uses out-of-band buffers (pickle protocol 5), which PyTorch checkpoints do not; the file is not a PyTorch checkpoint");
                default:
                    throw Malformed(at, $"has unknown opcode 0x{opcode:x2}; the pickle is corrupt");
            }
        }
    }

    private PickleGlobal Global(string module, string name, string opcode, int at)
    {
        if (!IsAllowed(module, name))
        {
            throw new UnsafePickleException(_path, _stream, opcode, at, $"{module}.{name}");
        }

        return new PickleGlobal(module, name);
    }

    private object? Call(PickleGlobal callable, PickleTuple arguments, string opcode, int at)
    {
        IReadOnlyList<object?> args = arguments.Items;
        switch (callable.FullName)
        {
            case "collections.OrderedDict":
                var dict = new PickleDict();
                if (args.Count == 1 && args[0] is PickleList items)
                {
                    foreach (object? pair in items)
                    {
                        PickleTuple tuple = Expect<PickleTuple>(pair, opcode, at);
                        if (tuple.Items.Count != 2)
                        {
                            throw Malformed(at, "OrderedDict items must be (key, value) pairs; the pickle is corrupt");
                        }

                        dict.Add(new(tuple.Items[0], tuple.Items[1]));
                    }
                }
                else if (args.Count != 0)
                {
                    throw Malformed(at, "OrderedDict is called with unexpected arguments; the pickle is corrupt");
                }

                return dict;
            case "torch.Size":
                return args.Count == 1 && args[0] is PickleTuple size ? size : throw Malformed(at, "torch.Size needs one tuple argument; the pickle is corrupt");
            case "torch._utils._rebuild_tensor":
            case "torch._utils._rebuild_tensor_v2":
                return RebuildTensor(args, at);
            case "torch._utils._rebuild_tensor_v3":
                return RebuildTensorV3(args, at);
            case "torch._utils._rebuild_parameter":
                return args.Count == 3 && args[0] is TorchTensor data ? data : throw Malformed(at, "_rebuild_parameter needs (tensor, requires_grad, hooks); the pickle is corrupt");
            default:
                throw Malformed(at, $"{opcode} calls {UntrustedText.Printable(callable.FullName)}, which PyTorch checkpoints never call; the pickle is corrupt");
        }
    }

    private TorchTensor RebuildTensor(IReadOnlyList<object?> args, int at)
    {
        if (args.Count < 4 || args[0] is not TorchStorage storage || args[1] is not long offset
            || args[2] is not PickleTuple size || args[3] is not PickleTuple stride || size.Items.Count != stride.Items.Count)
        {
            throw Malformed(at, "_rebuild_tensor needs (storage, offset, size, stride) with sizes and strides of equal length; the pickle is corrupt");
        }

        // The view's geometry is checked where the tensor gets its name (PyTorchCheckpoint), so messages can name it.
        return new TorchTensor(storage, offset, Dimensions(size, at, "size"), Dimensions(stride, at, "stride"));
    }

    // (untyped storage, offset, size, stride, requires_grad, hooks, dtype[, metadata]): offset, size and stride count elements of dtype.
    private TorchTensor RebuildTensorV3(IReadOnlyList<object?> args, int at)
    {
        if (args.Count is not (7 or 8) || args[6] is not PickleGlobal { Module: "torch" } dtype || !TorchDTypes.IsDType(dtype.Name))
        {
            throw Malformed(at, $"_rebuild_tensor_v3 needs (storage, offset, size, stride, requires_grad, hooks, dtype) with a torch dtype such as torch.float8_e4m3fn last, but its {(args.Count < 7 ? "arguments end early" : $"dtype is {Describe(args[6])}")}; the pickle is corrupt");
        }

        TorchTensor view = RebuildTensor(args, at);
        return view.Storage.Untyped
            ? view.AsDType(dtype.Name)
            : throw Malformed(at, $"_rebuild_tensor_v3 views a typed storage (\"{UntrustedText.Printable(view.Storage.Key)}\" of {view.Storage.DType.Name()}); torch writes it over a {TorchDTypes.UntypedStorage} only, the pickle is corrupt");
    }

    private long[] Dimensions(PickleTuple tuple, int at, string what)
    {
        if (tuple.Items.Count > TorchTensor.MaxRank)
        {
            throw Malformed(at, $"a tensor {what} has {tuple.Items.Count} dimensions; PyTorch tensors have at most {TorchTensor.MaxRank}, the pickle is corrupt");
        }

        var dimensions = new long[tuple.Items.Count];
        for (int i = 0; i < dimensions.Length; i++)
        {
            dimensions[i] = tuple.Items[i] is long value && value >= 0
                ? value
                : throw Malformed(at, $"a tensor {what} holds {(tuple.Items[i] is null ? "None" : UntrustedText.Printable(Convert.ToString(tuple.Items[i], CultureInfo.InvariantCulture) ?? ""))}, not a non-negative integer; the pickle is corrupt");
        }

        return dimensions;
    }

    private void AddPairs(PickleDict dict, IReadOnlyList<object?> items, int at)
    {
        if (items.Count % 2 != 0)
        {
            throw Malformed(at, "a dict is built from an odd number of items; the pickle is corrupt");
        }

        for (int i = 0; i < items.Count; i += 2)
        {
            dict.Add(new(items[i], items[i + 1]));
        }
    }

    private T Expect<T>(object? value, string opcode, int at)
        where T : class => value as T ?? throw Malformed(at, $"{opcode} found {Describe(value)} where it needs {Describe(typeof(T))}; the pickle is corrupt or holds objects TensorGuard does not read");

    private static string Describe(object? value) => value switch
    {
        null => "None",
        PickleGlobal global => UntrustedText.Printable(global.FullName),
        _ => Describe(value.GetType()),
    };

    private static string Describe(Type type) => type.Name switch
    {
        nameof(PickleTuple) => "a tuple",
        nameof(PickleList) => "a list",
        nameof(PickleDict) => "a dict",
        nameof(PickleSet) => "a set",
        nameof(PickleGlobal) => "a callable",
        nameof(TorchTensor) => "a tensor",
        nameof(TorchStorage) => "a storage",
        _ => "a " + type.Name.ToLowerInvariant(),
    };

    private void Push(object? value, int at)
    {
        Charge(Slot + Size(value), at);
        _stack.Add(value);
    }

    private void PushReference(object? value, int at)
    {
        Charge(Slot, at);
        _stack.Add(value);
    }

    private static long Size(object? value) => value switch
    {
        null or bool => 0,
        string text => ObjectBytes + (2L * text.Length),
        byte[] bytes => ObjectBytes + bytes.Length,
        BigInteger big => ObjectBytes + big.GetByteCount(),
        PickleTuple tuple => (2 * ObjectBytes) + (Slot * tuple.Items.Count),
        PickleDict dict => (2 * ObjectBytes) + (2 * Slot * dict.Count),
        PickleList list => (2 * ObjectBytes) + (Slot * list.Count),
        PickleSet set => (2 * ObjectBytes) + (Slot * set.Count),
        _ => ObjectBytes,
    };

    private void Charge(long bytes, int at)
    {
        _built += bytes;
        if (_built > _budget)
        {
            throw Malformed(at, $"builds more than {_budget >> 20} MiB of values, over the cap of {BudgetPerStoredByte}x the pickle's stored size plus {BaseBudget >> 20} MiB (at most {MaxBudget >> 20} MiB); real checkpoints build far less, so the file is refused as an amplification bomb");
        }
    }

    private object? Pop(int at)
    {
        if (_stack.Count == 0 || (_marks.Count > 0 && _marks[^1] == _stack.Count))
        {
            throw Malformed(at, "pops from an empty stack; the pickle is corrupt");
        }

        object? value = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private object? Peek(int at) =>
        _stack.Count == 0 || (_marks.Count > 0 && _marks[^1] == _stack.Count)
            ? throw Malformed(at, "reads from an empty stack; the pickle is corrupt")
            : _stack[^1];

    private object?[] PopMany(int count, int at)
    {
        var items = new object?[count];
        for (int i = count - 1; i >= 0; i--)
        {
            items[i] = Pop(at);
        }

        return items;
    }

    private object?[] PopToMark(int at)
    {
        int mark = PopMark(at);
        object?[] items = _stack.GetRange(mark, _stack.Count - mark).ToArray();
        _stack.RemoveRange(mark, _stack.Count - mark);
        return items;
    }

    private int PopMark(int at)
    {
        if (_marks.Count == 0)
        {
            throw Malformed(at, "has no MARK to return to; the pickle is corrupt");
        }

        int mark = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        return mark;
    }

    private object? Recall(long index, int at) =>
        _memo.TryGetValue(index, out object? value) ? value : throw Malformed(at, $"reads memo entry {index}, which was never stored; the pickle is corrupt");

    private ReadOnlySpan<byte> Take(ReadOnlySpan<byte> data, ref int position, long count, int at)
    {
        if (count < 0 || count > data.Length - position)
        {
            throw Malformed(at, $"needs {count} bytes but only {data.Length - position} remain; the file is truncated or corrupt");
        }

        ReadOnlySpan<byte> bytes = data.Slice(position, (int)count);
        position += (int)count;
        return bytes;
    }

    private long Length(ReadOnlySpan<byte> data, ref int position, int width, int at, long limit = long.MaxValue)
    {
        ReadOnlySpan<byte> bytes = Take(data, ref position, width, at);
        ulong length = width == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(bytes) : BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (length > (ulong)limit)
        {
            throw Malformed(at, $"declares a {length}-byte value, over the limit of {limit} bytes; the pickle is corrupt");
        }

        if (length > (ulong)(data.Length - position))
        {
            throw Malformed(at, $"declares {length} bytes but only {data.Length - position} remain; the file is truncated or corrupt");
        }

        return (long)length;
    }

    private string Line(ReadOnlySpan<byte> data, ref int position, int at)
    {
        ReadOnlySpan<byte> rest = data[position..];
        int end = rest[..Math.Min(rest.Length, MaxLineBytes)].IndexOf((byte)'\n');
        if (end < 0)
        {
            throw Malformed(at, "has a text argument without a terminating newline; the pickle is corrupt");
        }

        position += end + 1;
        return Latin1(rest[..end]).TrimEnd('\r');
    }

    private object TextInteger(string text, int at, bool allowBool)
    {
        if (allowBool && text is "00" or "01")
        {
            return text == "01";
        }

        if (BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out BigInteger value) && text.Length <= MaxLongBytes)
        {
            return Narrow(value);
        }

        throw Malformed(at, $"has an integer argument \"{UntrustedText.Printable(text)}\" that does not parse; the pickle is corrupt");
    }

    private double TextFloat(string text, int at) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            ? value
            : throw Malformed(at, $"has a float argument \"{UntrustedText.Printable(text)}\" that does not parse; the pickle is corrupt");

    private long MemoIndex(string text, int at) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long index)
            ? index
            : throw Malformed(at, $"has a memo index \"{UntrustedText.Printable(text)}\" that does not parse; the pickle is corrupt");

    private static object Long(ReadOnlySpan<byte> bytes) => Narrow(new BigInteger(bytes, isUnsigned: false, isBigEndian: false));

    // The cast to object matters: with a BigInteger branch, `cond ? (long)value : value` would be a BigInteger.
    private static object Narrow(BigInteger value) => value >= long.MinValue && value <= long.MaxValue ? (object)(long)value : value;

    private string Utf8(ReadOnlySpan<byte> bytes, int at)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            // Python pickles lone surrogates with "surrogatepass"; such names are not ours to read.
            throw Malformed(at, "has a string that is not valid UTF-8; the pickle is corrupt");
        }
    }

    private static string Latin1(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    private ModelFormatException Malformed(int at, string problem) =>
        new(_path, $"pickle {_stream} {problem} (byte {at})");
}
