namespace ModelStore.TorchSharp.PyTorch;

/// <summary>
/// What a pickle builds from a global outside the state-dict allow-list (an <c>argparse.Namespace</c>, a
/// <c>torch.Size</c>, a NumPy scalar, a class of the training script): the global, the arguments of its call, and what
/// BUILD, SETITEMS and APPENDS gave it. Recorded as data: the global is never resolved and nothing is called.
/// </summary>
internal sealed class PickleObject(PickleGlobal global, object?[] arguments)
{
    public PickleGlobal Global { get; } = global;

    public object?[] Arguments { get; } = arguments;

    /// <summary>What BUILD gave the object (its <c>__dict__</c> or <c>__setstate__</c> argument); <see langword="null"/> if none.</summary>
    public object? State { get; set; }

    /// <summary>Items appended to the object (a list subclass).</summary>
    public List<object?> ListItems { get; } = [];

    /// <summary>Items set on the object (a dict subclass), in order.</summary>
    public List<KeyValuePair<object?, object?>> DictItems { get; } = [];
}

/// <summary>A set or frozenset built by the protocol 4 opcodes (<c>EMPTY_SET</c>, <c>ADDITEMS</c>, <c>FROZENSET</c>).</summary>
internal sealed class PickleSet
{
    public List<object?> Items { get; } = [];
}
