using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using ModelStore.TorchSharp.Formats;

namespace ModelStore.TorchSharp.PyTorch;

/// <summary>
/// A pickle reader that understands only what a PyTorch state dict is made of. It never executes
/// anything: the few allowed globals (<see cref="PickleGlobal.IsAllowed"/>) are recognised by name and
/// interpreted here; any other global, and any opcode outside the subset <c>torch.save</c> emits, is
/// refused with a <see cref="StateFormatException"/> before anything else happens. Values other than tensors
/// (ints, floats, strings, lists, tuples, dicts: the epoch, the metrics, an optimizer's state) are read as data.
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
                    Push(ReadLong1());
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

                case (byte)'b': // BUILD
                {
                    var state = Pop();
                    if (Peek(at) is not PickleDict target)
                    {
                        throw Error(StateFormatError.UnsupportedPickle, at, "BUILD on an object other than a dict");
                    }

                    target.Attributes = state;
                    break;
                }

                case (byte)'s': // SETITEM
                {
                    var value = Pop();
                    var key = Pop();
                    AsDict(Peek(at), at).Add(key, value);
                    break;
                }

                case (byte)'u': // SETITEMS
                {
                    var items = PopMark(at);
                    var dict = AsDict(Peek(at), at);
                    if (items.Count % 2 != 0)
                    {
                        throw Error(StateFormatError.Corrupt, at, "SETITEMS with an odd number of items");
                    }

                    for (var i = 0; i < items.Count; i += 2)
                    {
                        dict.Add(items[i], items[i + 1]);
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

    private static PickleDict AsDict(object? value, int at) =>
        value as PickleDict ?? throw Error(StateFormatError.UnsupportedPickle, at, "SETITEM on an object other than a dict");

    private static List<object?> AsList(object? value, int at) =>
        value as List<object?> ?? throw Error(StateFormatError.UnsupportedPickle, at, "APPEND on an object other than a list");

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

    private object ReadLong1()
    {
        var length = ReadByte();
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
    /// An allowed global, else the refusal. The class of a whole pickled module (<c>torch.save(model)</c>: a
    /// <c>torch.nn.modules</c> class, or any class instantiated with NEWOBJ as the root object) gets its own message.
    /// </summary>
    private PickleGlobal Resolve(string module, string name)
    {
        if (PickleGlobal.IsAllowed(module, name))
        {
            return PickleGlobal.Resolve(module, name);
        }

        var isModuleClass = module.StartsWith("torch.nn.modules", StringComparison.Ordinal);
        var isRootInstance = _stack.Count == 0 && _marks.Count == 0 && IsFollowedByNewObj();
        if (isModuleClass || isRootInstance)
        {
            throw ForeignFormats.Refuse(ForeignFormat.PickledModule, $"it names the class '{PickleGlobal.Printable(module)}.{PickleGlobal.Printable(name)}'; nothing was executed");
        }

        return PickleGlobal.Resolve(module, name);
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
