using System.Collections;

namespace ModelStore.Plums;

/// <summary>
/// The checkpoints of a model (Plums' <c>CheckpointCollection</c>): unique references in insertion order,
/// looked up by reference, by epoch (<c>eloc</c>) or by insertion index (<c>iloc</c>).
/// </summary>
public sealed class CheckpointCollection : IReadOnlyCollection<Checkpoint>, IEquatable<CheckpointCollection>
{
    private readonly List<CheckpointReference> _order = [];
    private readonly Dictionary<CheckpointReference, Checkpoint> _checkpoints = [];

    /// <summary>Creates a collection holding <paramref name="checkpoints"/>, added in order.</summary>
    public CheckpointCollection(params IEnumerable<Checkpoint> checkpoints)
    {
        ArgumentNullException.ThrowIfNull(checkpoints);
        foreach (var checkpoint in checkpoints)
        {
            Add(checkpoint);
        }
    }

    /// <summary>The reference of the checkpoint added last, or <see langword="null"/> when empty.</summary>
    public CheckpointReference? Latest { get; private set; }

    /// <summary>The number of checkpoints.</summary>
    public int Count => _order.Count;

    /// <summary>The references, in insertion order.</summary>
    public IEnumerable<CheckpointReference> Keys => _order;

    /// <summary>The checkpoints, in insertion order.</summary>
    public IEnumerable<Checkpoint> Values => _order.Select(r => _checkpoints[r]);

    /// <summary>The (reference, checkpoint) pairs, in insertion order.</summary>
    public IEnumerable<KeyValuePair<CheckpointReference, Checkpoint>> Items => _order.Select(r => new KeyValuePair<CheckpointReference, Checkpoint>(r, _checkpoints[r]));

    /// <summary>The checkpoint with this reference.</summary>
    /// <exception cref="KeyNotFoundException">No checkpoint has this reference.</exception>
    public Checkpoint this[CheckpointReference reference] =>
        _checkpoints.TryGetValue(reference, out var checkpoint)
            ? checkpoint
            : throw new KeyNotFoundException($"No checkpoint with the reference {reference}.");

    /// <summary>Adds a checkpoint; it becomes <see cref="Latest"/>.</summary>
    /// <exception cref="PlumsException">
    /// <see cref="PlumsErrorCode.DuplicateCheckpoint"/> when the reference is taken;
    /// <see cref="PlumsErrorCode.CheckpointWithoutEpoch"/> when the checkpoint has no epoch.
    /// </exception>
    public void Add(Checkpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (_checkpoints.TryGetValue(checkpoint.Name, out var existing))
        {
            throw new PlumsException(PlumsErrorCode.DuplicateCheckpoint, $"Checkpoint name {checkpoint.Name} already registered: {existing}");
        }

        if (checkpoint.Epoch is null)
        {
            throw new PlumsException(PlumsErrorCode.CheckpointWithoutEpoch, $"Checkpoint {checkpoint.Name} has no epoch; a checkpoint in a CheckpointCollection needs one.");
        }

        _order.Add(checkpoint.Name);
        _checkpoints.Add(checkpoint.Name, checkpoint);
        Latest = checkpoint.Name;
    }

    /// <summary>
    /// Stores <paramref name="checkpoint"/> under <paramref name="reference"/> (renaming it): a new reference is added
    /// and becomes <see cref="Latest"/>; an existing one is replaced in place (Plums' <c>__setitem__</c>).
    /// </summary>
    public void Set(CheckpointReference reference, Checkpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var renamed = checkpoint.WithName(reference);
        if (_checkpoints.ContainsKey(reference))
        {
            if (renamed.Epoch is null)
            {
                throw new PlumsException(PlumsErrorCode.CheckpointWithoutEpoch, $"Checkpoint {reference} has no epoch; a checkpoint in a CheckpointCollection needs one.");
            }

            _checkpoints[reference] = renamed;
            return;
        }

        Add(renamed);
    }

    /// <summary>Removes a checkpoint; <see cref="Latest"/> becomes the last remaining one. Returns whether it was there.</summary>
    public bool Remove(CheckpointReference reference)
    {
        if (!_checkpoints.Remove(reference))
        {
            return false;
        }

        _order.Remove(reference);
        Latest = _order.Count > 0 ? _order[^1] : (CheckpointReference?)null;
        return true;
    }

    internal void MarkLatest(CheckpointReference reference) => Latest = reference;

    /// <summary>Whether a checkpoint has this reference.</summary>
    public bool Contains(CheckpointReference reference) => _checkpoints.ContainsKey(reference);

    /// <summary>The checkpoint with this reference, or <paramref name="defaultValue"/>.</summary>
    public Checkpoint? Get(CheckpointReference reference, Checkpoint? defaultValue = null) =>
        _checkpoints.TryGetValue(reference, out var checkpoint) ? checkpoint : defaultValue;

    /// <summary>The checkpoints of one epoch, as a new collection in insertion order (Plums' <c>eloc[epoch]</c>).</summary>
    /// <exception cref="KeyNotFoundException">No checkpoint has this epoch.</exception>
    public CheckpointCollection ByEpoch(int epoch)
    {
        var matches = Values.Where(c => c.Epoch == epoch).ToList();
        if (matches.Count == 0)
        {
            throw new KeyNotFoundException($"Invalid epoch number provided: {epoch}");
        }

        return new CheckpointCollection(matches);
    }

    /// <summary>The checkpoint at an insertion index; <c>^1</c> is the last (Plums' <c>iloc[i]</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is outside the collection.</exception>
    public Checkpoint ByIndex(Index index)
    {
        var offset = index.GetOffset(_order.Count);
        if (offset < 0 || offset >= _order.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"Index {index} is outside a collection of {_order.Count} checkpoints.");
        }

        return _checkpoints[_order[offset]];
    }

    /// <summary>The checkpoints in an insertion-index range (Plums' <c>iloc[a:b]</c>).</summary>
    public IReadOnlyList<Checkpoint> ByIndex(Range range)
    {
        var (offset, length) = range.GetOffsetAndLength(_order.Count);
        return _order.GetRange(offset, length).Select(r => _checkpoints[r]).ToList();
    }

    /// <inheritdoc />
    public IEnumerator<Checkpoint> GetEnumerator() => Values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Equal when both hold the same set of (reference, checkpoint) pairs, as in Plums.</summary>
    public bool Equals(CheckpointCollection? other) =>
        other is not null && Count == other.Count && Items.All(i => other.Get(i.Key) is { } c && c.Equals(i.Value));

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as CheckpointCollection);

    /// <inheritdoc />
    public override int GetHashCode() => Count;

    /// <inheritdoc />
    public override string ToString() => $"CheckpointCollection({string.Join(", ", Values)})";
}
