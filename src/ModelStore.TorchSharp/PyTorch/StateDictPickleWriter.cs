using System.Buffers.Binary;
using System.Text;

namespace ModelStore.TorchSharp.PyTorch;

/// <summary>
/// Writes the pickle of a state dict the way <c>torch.save</c> does (protocol 2): an OrderedDict of
/// <c>torch._utils._rebuild_tensor_v2</c> calls over persistent storage references.
/// </summary>
internal sealed class StateDictPickleWriter
{
    private readonly MemoryStream _buffer = new();

    public StateDictPickleWriter()
    {
        _buffer.Write([0x80, 2]); // PROTO 2
        Global("collections", "OrderedDict");
        _buffer.WriteByte((byte)')'); // EMPTY_TUPLE
        _buffer.WriteByte((byte)'R'); // REDUCE
        _buffer.WriteByte((byte)'('); // MARK
    }

    public void AddTensor(string name, string storageType, string storageKey, long elementCount, IReadOnlyList<long> shape)
    {
        String(name);
        Global("torch._utils", "_rebuild_tensor_v2");
        _buffer.WriteByte((byte)'('); // MARK: the arguments
        _buffer.WriteByte((byte)'('); // MARK: the persistent id
        String("storage");
        Global("torch", storageType);
        String(storageKey);
        String("cpu");
        Int(elementCount);
        _buffer.WriteByte((byte)'t'); // TUPLE
        _buffer.WriteByte((byte)'Q'); // BINPERSID
        Int(0); // storage offset
        Tuple(shape);
        var strides = new long[shape.Count];
        var stride = 1L;
        for (var i = shape.Count - 1; i >= 0; i--)
        {
            strides[i] = stride;
            stride *= Math.Max(1, shape[i]);
        }

        Tuple(strides);
        _buffer.WriteByte(0x89); // NEWFALSE: requires_grad
        Global("collections", "OrderedDict"); // backward hooks: an empty OrderedDict
        _buffer.WriteByte((byte)')');
        _buffer.WriteByte((byte)'R');
        _buffer.WriteByte((byte)'t'); // TUPLE of arguments
        _buffer.WriteByte((byte)'R'); // REDUCE
    }

    public byte[] Finish()
    {
        _buffer.WriteByte((byte)'u'); // SETITEMS
        _buffer.WriteByte((byte)'.'); // STOP
        return _buffer.ToArray();
    }

    private void Global(string module, string name)
    {
        _buffer.WriteByte((byte)'c');
        _buffer.Write(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
    }

    private void String(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
        _buffer.WriteByte((byte)'X'); // BINUNICODE
        _buffer.Write(length);
        _buffer.Write(bytes);
    }

    private void Int(long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        if (value is >= 0 and <= 0xFF)
        {
            _buffer.WriteByte((byte)'K');
            _buffer.WriteByte((byte)value);
        }
        else if (value is >= 0 and <= 0xFFFF)
        {
            _buffer.WriteByte((byte)'M');
            BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)value);
            _buffer.Write(bytes[..2]);
        }
        else if (value is >= int.MinValue and <= int.MaxValue)
        {
            _buffer.WriteByte((byte)'J');
            BinaryPrimitives.WriteInt32LittleEndian(bytes, (int)value);
            _buffer.Write(bytes[..4]);
        }
        else
        {
            _buffer.WriteByte(0x8a); // LONG1, 8 bytes two's complement
            _buffer.WriteByte(8);
            BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
            _buffer.Write(bytes);
        }
    }

    private void Tuple(IReadOnlyList<long> values)
    {
        _buffer.WriteByte((byte)'(');
        foreach (var value in values)
        {
            Int(value);
        }

        _buffer.WriteByte((byte)'t');
    }
}
