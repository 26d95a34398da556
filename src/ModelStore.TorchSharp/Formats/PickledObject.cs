namespace ModelStore.TorchSharp.Formats;

/// <summary>
/// A Python object in a checkpoint's other entries (<see cref="StateFile.Entries"/>) whose class this library does not
/// read as a .NET value: an <c>argparse.Namespace</c>, a class of the training script, a <c>torch.device</c>. It holds the
/// class's qualified name and what the pickle gave the object, converted like every other entry. The class was never
/// imported and nothing was called: this is a record of the bytes, not the object.
/// </summary>
public sealed class PickledObject
{
    internal PickledObject(string qualifiedName, IReadOnlyList<object?> arguments, object? state, IReadOnlyList<object?> listItems, IReadOnlyDictionary<object, object?> dictItems)
    {
        QualifiedName = qualifiedName;
        Arguments = arguments;
        State = state;
        ListItems = listItems;
        DictItems = dictItems;
    }

    /// <summary>The module and name of the class or function the pickle names, for example <c>argparse.Namespace</c>.</summary>
    public string QualifiedName { get; }

    /// <summary>The arguments it would have been called (or its class instantiated) with.</summary>
    public IReadOnlyList<object?> Arguments { get; }

    /// <summary>
    /// The state the pickle sets on the object: usually its attributes (<c>__dict__</c>) as an
    /// <see cref="IReadOnlyDictionary{TKey, TValue}"/>, for example <c>lr</c> of a <c>Namespace</c>; <see langword="null"/> if none.
    /// </summary>
    public object? State { get; }

    /// <summary>The items appended to it (an object of a <c>list</c> subclass); empty otherwise.</summary>
    public IReadOnlyList<object?> ListItems { get; }

    /// <summary>The items set on it (an object of a <c>dict</c> subclass); empty otherwise.</summary>
    public IReadOnlyDictionary<object, object?> DictItems { get; }

    /// <summary>The qualified name and the number of arguments, for example <c>argparse.Namespace(0 arguments)</c>.</summary>
    public override string ToString() => $"{QualifiedName}({Arguments.Count} arguments)";
}
