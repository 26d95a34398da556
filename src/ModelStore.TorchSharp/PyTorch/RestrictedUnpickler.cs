using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using ModelStore.TorchSharp.Formats;

namespace ModelStore.TorchSharp.PyTorch;

/// <summary>
/// A pickle reader that never executes anything. The few globals a state dict is made of
/// (<see cref="PickleGlobal.IsStateDictPart"/>) are recognised by name and interpreted here; any other global is only a
/// name, and calling or instantiating it records a <see cref="PickleObject"/> (inert data, refused later if it sits inside
/// the state dict). Quantized and sparse tensors, a whole pickled module, and any opcode outside the subset
/// <c>torch.save</c> emits (protocols 2 to 5, without out-of-band buffers) are refused with a <see cref="StateFormatException"/>.
/// </summary>
internal sealed class RestrictedUnpickler
{
    private const int MaxStackDepth = 1 << 20;
    private readonly PickleInput _input;
    private readonly Func<object?[], object> _persistentLoad;
    private readonly List<object?> _stack = [];
    private readonly Stack<int> _marks = new();
    private readonly Dictionary<long, object?> _memo = [];

    public RestrictedUnpickler(byte[] data, Func<object?[], object> persistentLoad)
        : this(PickleInput.FromBytes(data), persistentLoad)
    {
    }

    /// <summary>Reads one pickle from <paramref name="input"/>'s position; several pickles in a row each get their own unpickler, as in Python.</summary>
    public RestrictedUnpickler(PickleInput input, Func<object?[], object> persistentLoad)
    {
        _input = input;
        _persistentLoad = persistentLoad;
    }

    private int Position => _input.Position;

    public object? Load()
    {
        while (true)
        {
            var at = Position;
            var opcode = ReadByte();
            switch (opcode)
            {
                case 0x80: // PROTO
                    if (ReadByte() > 5)
                    {
                        throw Error(StateFormatError.UnsupportedPickle, at, "pickle protocol newer than 5");
                    }

                    break;
                case 0x95: // FRAME (a length hint)
                    Take(8);
                    break;
                case (byte)'.': // STOP
                    if (_stack.Count != 1 || _marks.Count != 0)
                    {
                        throw Error(StateFormatError.Corrupt, at, "the pickle ends with an unbalanced stack");
                    }

                    return _stack[0];
                case (byte)'c': // GLOBAL
                    Push(Resolve(ReadLine(), ReadLine()));
                    break;
                case 0x93: // STACK_GLOBAL
                {
                    var name = Pop() as string;
                    var module = Pop() as string;
                    Push(Resolve(module ?? throw Error(StateFormatError.Corrupt, at, "STACK_GLOBAL without a module name"), name ?? throw Error(StateFormatError.Corrupt, at, "STACK_GLOBAL without a name")));
                    break;
                }

                case (byte)'}': // EMPTY_DICT
                    Push(new PickleDict());
                    break;
                case (byte)']': // EMPTY_LIST
                    Push(new List<object?>());
                    break;
                case (byte)')': // EMPTY_TUPLE
                    Push(Array.Empty<object?>());
                    break;
                case (byte)'(': // MARK
                    if (_marks.Count >= MaxStackDepth)
                    {
                        throw Error(StateFormatError.Corrupt, at, "too many nested marks");
                    }

                    _marks.Push(_stack.Count);
                    break;
                case (byte)'t': // TUPLE
                    Push(PopMark(at).ToArray());
                    break;
                case 0x85: // TUPLE1
                    Push(new[] { Pop() });
                    break;
                case 0x86: // TUPLE2
                {
                    var second = Pop();
                    Push(new[] { Pop(), second });
                    break;
                }

                case 0x87: // TUPLE3
                {
                    var third = Pop();
                    var second = Pop();
                    Push(new[] { Pop(), second, third });
                    break;
                }

                case (byte)'q': // BINPUT
                    _memo[ReadByte()] = Peek(at);
                    break;
                case (byte)'r': // LONG_BINPUT
                    _memo[ReadUInt32()] = Peek(at);
                    break;
                case 0x94: // MEMOIZE
                    _memo[_memo.Count] = Peek(at);
                    break;
                case (byte)'h': // BINGET
                    Push(Recall(ReadByte(), at));
                    break;
                case (byte)'j': // LONG_BINGET
                    Push(Recall(ReadUInt32(), at));
                    break;
                case (byte)'K': // BININT1
                    Push((long)ReadByte());
                    break;
                case (byte)'M': // BININT2
                    Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2)));
                    break;
                case (byte)'J': // BININT
                    Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4)));
                    break;
                case 0x8a: // LONG1
                    Push(ReadLong(ReadByte()));
                    break;
                case 0x8b: // LONG4
                    Push(ReadLong(BinaryPrimitives.ReadInt32LittleEndian(Take(4))));
                    break;
                case (byte)'G': // BINFLOAT
                    Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8)));
                    break;
                case (byte)'X': // BINUNICODE
                    Push(ReadString(ReadUInt32(), at));
                    break;
                case 0x8c: // SHORT_BINUNICODE
                    Push(ReadString(ReadByte(), at));
                    break;
                case 0x8d: // BINUNICODE8
                    Push(ReadString(BinaryPrimitives.ReadInt64LittleEndian(Take(8)), at));
                    break;
                case 0x88: // NEWTRUE
                    Push(true);
                    break;
                case 0x89: // NEWFALSE
                    Push(false);
                    break;
                case (byte)'N': // NONE
                    Push(null);
                    break;
                case (byte)'Q': // BINPERSID
                    Push(_persistentLoad(Pop() as object?[] ?? throw Error(StateFormatError.Corrupt, at, "a persistent id that is not a tuple")));
                    break;
                case (byte)'R': // REDUCE
                {
                    var arguments = Pop() as object?[] ?? throw Error(StateFormatError.Corrupt, at, "REDUCE arguments that are not a tuple");
                    var callable = Pop() as PickleGlobal ?? throw Error(StateFormatError.Corrupt, at, "REDUCE on something that is not a global");
                    Push(callable.Reduce(arguments));
                    break;
                }

                case 0x81: // NEWOBJ: cls.__new__(cls, *args), recorded, not run
                {
                    var arguments = Pop() as object?[] ?? throw Error(StateFormatError.Corrupt, at, "NEWOBJ arguments that are not a tuple");
                    var type = Pop() as PickleGlobal ?? throw Error(StateFormatError.Corrupt, at, "NEWOBJ on something that is not a class");
                    Push(type.IsStateDictPart
                        ? type.Name == "OrderedDict" && arguments.Length == 0 ? new PickleDict() : throw Error(StateFormatError.UnsupportedPickle, at, $"NEWOBJ of {type.QualifiedName}")
                        : new PickleObject(type, arguments));
                    break;
                }

                case (byte)'b': // BUILD
                {
                    var state = Pop();
                    switch (Peek(at))
                    {
                        case PickleDict dict:
                            dict.Attributes = state;
                            break;
                        case PickleObject created:
                            created.State = state;
                            break;
                        default:
                            throw Error(StateFormatError.UnsupportedPickle, at, "BUILD on an object other than a dict or a recorded object");
                    }

                    break;
                }

                case (byte)'s': // SETITEM
                {
                    var value = Pop();
                    var key = Pop();
                    SetItem(Peek(at), key, value, at);
                    break;
                }

                case (byte)'u': // SETITEMS
                {
                    var items = PopMark(at);
                    var target = Peek(at);
                    if (items.Count % 2 != 0)
                    {
                        throw Error(StateFormatError.Corrupt, at, "SETITEMS with an odd number of items");
                    }

                    for (var i = 0; i < items.Count; i += 2)
                    {
                        SetItem(target, items[i], items[i + 1], at);
                    }

                    break;
                }

                case (byte)'a': // APPEND
                {
                    var item = Pop();
                    AsList(Peek(at), at).Add(item);
                    break;
                }

                case (byte)'e': // APPENDS
                {
                    var items = PopMark(at);
                    AsList(Peek(at), at).AddRange(items);
                    break;
                }

                case 0x8f: // EMPTY_SET
                    Push(new PickleSet());
                    break;
                case 0x90: // ADDITEMS
                {
                    var items = PopMark(at);
                    var set = Peek(at) as PickleSet ?? throw Error(StateFormatError.UnsupportedPickle, at, "ADDITEMS on an object other than a set");
                    set.Items.AddRange(items);
                    break;
                }

                case 0x91: // FROZENSET
                {
                    var set = new PickleSet();
                    set.Items.AddRange(PopMark(at));
                    Push(set);
                    break;
                }

                case (byte)'C': // SHORT_BINBYTES
                    Push(Take(ReadByte()).ToArray());
                    break;
                case (byte)'B': // BINBYTES
                    Push(Take(ReadUInt32()).ToArray());
                    break;
                case 0x8e: // BINBYTES8
                case 0x96: // BYTEARRAY8
                    Push(Take(BinaryPrimitives.ReadInt64LittleEndian(Take(8))).ToArray());
                    break;

                default:
                    throw Error(StateFormatError.UnsupportedPickle, at, $"opcode 0x{opcode:x2} ('{(opcode is >= 0x20 and < 0x7f ? (char)opcode : '?')}'), which a state dict does not use");
            }
        }
    }

    private void Push(object? value)
    {
        if (_stack.Count >= MaxStackDepth)
        {
            throw Error(StateFormatError.Corrupt, Position, "the stack grows too deep");
        }

        _stack.Add(value);
    }

    private object? Pop()
    {
        if (_stack.Count == 0 || (_marks.Count > 0 && _marks.Peek() == _stack.Count))
        {
            throw Error(StateFormatError.Corrupt, Position, "stack underflow");
        }

        var value = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private object? Peek(int at) =>
        _stack.Count == 0 ? throw Error(StateFormatError.Corrupt, at, "stack underflow") : _stack[^1];

    private List<object?> PopMark(int at)
    {
        if (_marks.Count == 0)
        {
            throw Error(StateFormatError.Corrupt, at, "no mark on the stack");
        }

        var start = _marks.Pop();
        var items = _stack.GetRange(start, _stack.Count - start);
        _stack.RemoveRange(start, _stack.Count - start);
        return items;
    }

    private object? Recall(long index, int at) =>
        _memo.TryGetValue(index, out var value) ? value : throw Error(StateFormatError.Corrupt, at, $"memo entry {index} was never stored");

    private static void SetItem(object? target, object? key, object? value, int at)
    {
        switch (target)
        {
            case PickleDict dict:
                dict.Add(key, value);
                break;
            case PickleObject created: // a dict subclass
                created.DictItems.Add(new(key, value));
                break;
            default:
                throw Error(StateFormatError.UnsupportedPickle, at, "SETITEM on an object other than a dict");
        }
    }

    private static List<object?> AsList(object? value, int at) => value switch
    {
        List<object?> list => list,
        PickleObject created => created.ListItems, // a list subclass
        _ => throw Error(StateFormatError.UnsupportedPickle, at, "APPEND on an object other than a list"),
    };

    private byte ReadByte() => Take(1)[0];

    private uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    private ReadOnlySpan<byte> Take(long count) =>
        _input.TryTake(count, out var bytes) ? bytes : throw Error(StateFormatError.Truncated, Position, "the pickle ends in the middle of an instruction");

    private string ReadLine()
    {
        const int Longest = 257;
        var rest = _input.Peek(Longest);
        var end = rest.IndexOf((byte)'\n');
        if (end < 0)
        {
            throw rest.Length < Longest
                ? Error(StateFormatError.Truncated, Position, "the pickle ends in the middle of a global name")
                : Error(StateFormatError.Corrupt, Position, "a global name without an end of line");
        }

        var line = Encoding.UTF8.GetString(rest[..end]);
        _input.Skip(end + 1);
        return line;
    }

    private string ReadString(long length, int at)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(Take(length));
        }
        catch (DecoderFallbackException e)
        {
            throw new StateFormatException(StateFormatError.Corrupt, $"The state-dict pickle holds invalid UTF-8 at byte {at}.", e);
        }
    }

    private object ReadLong(int length)
    {
        if (length < 0)
        {
            throw Error(StateFormatError.Corrupt, Position, "a long integer of negative length");
        }

        var bytes = Take(length);
        if (length > 8)
        {
            return new BigInteger(bytes, isUnsigned: false, isBigEndian: false); // the legacy format's magic number is 10 bytes
        }

        if (length == 0)
        {
            return 0L;
        }

        Span<byte> wide = stackalloc byte[8];
        wide.Fill((bytes[^1] & 0x80) != 0 ? (byte)0xFF : (byte)0);
        bytes.CopyTo(wide);
        return BinaryPrimitives.ReadInt64LittleEndian(wide);
    }

    /// <summary>
    /// The global named by the pickle. Quantized and sparse tensors are refused by the global that rebuilds them; a class
    /// instantiated as the root object (<c>torch.save(model)</c>) is a pickled module, refused by name.
    /// </summary>
    private PickleGlobal Resolve(string module, string name)
    {
        var global = PickleGlobal.Resolve(module, name);
        if (global.IsStateDictPart)
        {
            return global;
        }

        if (PickleGlobal.UnsupportedTensorKind(module, name) is { } refusal)
        {
            throw refusal;
        }

        if (_stack.Count == 0 && _marks.Count == 0 && IsFollowedByNewObj())
        {
            throw ForeignFormats.Refuse(ForeignFormat.PickledModule, $"it names the class '{global.QualifiedName}'; nothing was executed");
        }

        return global;
    }

    // After a class global, torch.save(model) emits [BINPUT n] EMPTY_TUPLE NEWOBJ.
    private bool IsFollowedByNewObj()
    {
        var next = _input.Peek(8);
        var i = next.Length > 1 && next[0] == (byte)'q' ? 2 : next.Length > 4 && next[0] == (byte)'r' ? 5 : next.Length > 0 && next[0] == 0x94 ? 1 : 0;
        return next.Length > i + 1 && next[i] == (byte)')' && next[i + 1] == 0x81;
    }

    private static StateFormatException Error(StateFormatError error, int at, string what) =>
        new(error, $"The state-dict pickle was refused at byte {at}: {what}. Nothing was executed.");
}

/// <summary>A dict or OrderedDict read from a pickle, in insertion order.</summary>
internal sealed class PickleDict
{
    public List<KeyValuePair<object?, object?>> Items { get; } = [];

    /// <summary>What BUILD set on the object (PyTorch puts the <c>_metadata</c> of a state dict there).</summary>
    public object? Attributes { get; set; }

    public void Add(object? key, object? value) => Items.Add(new(key, value));
}
