namespace ModelStore.Plums;

/// <summary>
/// A checkpoint (Plums' <c>Checkpoint</c>): a unique name, the weight file, the epoch and the file's MD5 checksum.
/// Two checkpoints are equal when they have the same epoch and hash, as in Plums.
/// </summary>
public sealed class Checkpoint : IEquatable<Checkpoint>
{
    /// <summary>Creates a checkpoint. Give a path, a hash, or both; a missing hash is computed from the file.</summary>
    /// <param name="name">The unique reference.</param>
    /// <param name="path">The weight file; it must exist.</param>
    /// <param name="epoch">The epoch; required to enter a <see cref="CheckpointCollection"/>.</param>
    /// <param name="hash">The file's MD5 checksum (32 lower-case hex digits).</param>
    /// <exception cref="PlumsException"><see cref="PlumsErrorCode.FileNotFound"/> when the path is not a file.</exception>
    /// <exception cref="ArgumentException">The hash is malformed, or neither path nor hash is given.</exception>
    public Checkpoint(CheckpointReference name, string? path = null, int? epoch = null, string? hash = null)
    {
        if (path is not null)
        {
            path = System.IO.Path.GetFullPath(path);
            if (!File.Exists(path))
            {
                throw new PlumsException(PlumsErrorCode.FileNotFound, $"Invalid checkpoint: {path} is not a file.");
            }
        }

        if (hash is not null && !Md5.IsValid(hash))
        {
            throw new ArgumentException($"Invalid file checksum provided: expected a valid MD5 hash, got '{hash}'.", nameof(hash));
        }

        if (hash is null && path is null)
        {
            throw new ArgumentException("A checkpoint needs a path, a hash, or both.", nameof(path));
        }

        Name = name;
        Path = path;
        Epoch = epoch;
        Hash = hash ?? Md5.OfFile(path!);
    }

    /// <summary>The unique reference.</summary>
    public CheckpointReference Name { get; }

    /// <summary>The weight file (absolute), or <see langword="null"/> when only the hash is known (checkpoints of a PMF initialisation).</summary>
    public string? Path { get; }

    /// <summary>The epoch, if known.</summary>
    public int? Epoch { get; }

    /// <summary>The MD5 checksum of the weight file.</summary>
    public string Hash { get; }

    /// <summary>The same checkpoint under another name.</summary>
    public Checkpoint WithName(CheckpointReference name) => new(name, Path, Epoch, Hash);

    /// <inheritdoc />
    public bool Equals(Checkpoint? other) => other is not null && Epoch == other.Epoch && Hash == other.Hash;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Checkpoint);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Epoch, Hash);

    /// <inheritdoc />
    public override string ToString() => $"Checkpoint(name={Name}, path={Path}, epoch={Epoch}, hash={Hash})";
}
