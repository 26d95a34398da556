namespace ModelStore.OnnxRuntime;

/// <summary>
/// Finds every external data file an ONNX graph names (<c>TensorProto.external_data</c> entries with the key
/// <c>location</c>), walking the protobuf where tensors can sit: the graph's initializers and sparse initializers, node
/// attributes (tensors, subgraphs of <c>If</c>/<c>Loop</c>/<c>Scan</c>, sparse tensors) and local functions.
/// The graph is untrusted: a malformed message ends the walk with an error, and nesting is bounded.
/// </summary>
internal static class OnnxExternalData
{
    private const int MaxDepth = 64;

    // ModelProto, GraphProto, NodeProto, AttributeProto, FunctionProto, SparseTensorProto, TensorProto, StringStringEntryProto.
    private enum Message
    {
        Model,
        Graph,
        Node,
        Attribute,
        Function,
        Sparse,
        Tensor,
        Entry,
    }

    /// <summary>The <c>location</c> of every external data entry, in graph order (repeats kept).</summary>
    /// <exception cref="FormatException">The bytes are not a well-formed protobuf message.</exception>
    public static List<string> Locations(ReadOnlySpan<byte> model)
    {
        var locations = new List<string>();
        Walk(model, Message.Model, 0, locations);
        return locations;
    }

    private static Message? Child(Message parent, int field) => (parent, field) switch
    {
        (Message.Model, 7) => Message.Graph,
        (Message.Model, 25) => Message.Function,
        (Message.Graph, 1) => Message.Node,
        (Message.Graph, 5) => Message.Tensor,
        (Message.Graph, 15) => Message.Sparse,
        (Message.Node, 5) => Message.Attribute,
        (Message.Attribute, 5 or 10) => Message.Tensor,
        (Message.Attribute, 6 or 11) => Message.Graph,
        (Message.Attribute, 22 or 23) => Message.Sparse,
        (Message.Function, 7) => Message.Node,
        (Message.Sparse, 1 or 2) => Message.Tensor,
        (Message.Tensor, 13) => Message.Entry,
        _ => null,
    };

    private static void Walk(ReadOnlySpan<byte> data, Message message, int depth, List<string> locations)
    {
        if (depth > MaxDepth)
        {
            throw new FormatException($"the graph nests messages more than {MaxDepth} deep");
        }

        string? key = null, value = null;
        while (!data.IsEmpty)
        {
            var tag = ReadVarint(ref data);
            var (field, wire) = ((int)(tag >> 3), (int)(tag & 7));
            switch (wire)
            {
                case 0:
                    ReadVarint(ref data);
                    break;
                case 1 or 5:
                    Skip(ref data, wire == 1 ? 8 : 4);
                    break;
                case 2:
                    var length = ReadVarint(ref data);
                    if (length > (ulong)data.Length)
                    {
                        throw new FormatException("a field is longer than the message holding it");
                    }

                    var payload = data[..(int)length];
                    data = data[(int)length..];
                    if (message == Message.Entry && field is 1 or 2)
                    {
                        var text = System.Text.Encoding.UTF8.GetString(payload);
                        (key, value) = field == 1 ? (text, value) : (key, text);
                    }
                    else if (Child(message, field) is { } child)
                    {
                        Walk(payload, child, depth + 1, locations);
                    }

                    break;
                default:
                    throw new FormatException($"field {field} has the unsupported wire type {wire}");
            }
        }

        if (message == Message.Entry && key == "location" && value is not null)
        {
            locations.Add(value);
        }
    }

    private static ulong ReadVarint(ref ReadOnlySpan<byte> data)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (data.IsEmpty)
            {
                throw new FormatException("the message ends inside a number");
            }

            var b = data[0];
            data = data[1..];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new FormatException("a number is longer than 10 bytes");
    }

    private static void Skip(ref ReadOnlySpan<byte> data, int count)
    {
        if (data.Length < count)
        {
            throw new FormatException("the message ends inside a fixed-size field");
        }

        data = data[count..];
    }
}
