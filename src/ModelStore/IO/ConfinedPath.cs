namespace ModelStore.IO;

/// <summary>
/// Keeps paths read from untrusted data (a shard index, a huggingface_hub cache, a cloned repository) inside a folder:
/// a relative name is checked part by part, and symbolic links are followed to where they really lead before the
/// answer is given (a link that leaves the folder is outside it, whatever its name says).
/// </summary>
public static class ConfinedPath
{
    private const int MaxLinkHops = 40;

    /// <summary>
    /// Whether <paramref name="relative"/> is a plain relative path: not empty, not rooted, <c>/</c>-separated, without
    /// <c>.</c>, <c>..</c> or empty parts, backslashes or control characters.
    /// </summary>
    public static bool IsPlainRelative(string relative)
    {
        ArgumentNullException.ThrowIfNull(relative);
        return relative.Length > 0 && !Path.IsPathRooted(relative) && !relative.Contains('\\', StringComparison.Ordinal)
            && !relative.Any(char.IsControl) && relative.Split('/').All(part => part is not ("" or "." or ".."));
    }

    /// <summary>
    /// The absolute path with every symbolic link along it followed, as <c>realpath</c> gives it (parts that do not
    /// exist are kept as they are).
    /// </summary>
    /// <exception cref="IOException">The links loop or nest more than 40 deep.</exception>
    public static string GetRealPath(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var pending = new Stack<string>(Enumerable.Reverse(Path.GetFullPath(path).Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries)));
        var current = Path.GetPathRoot(Path.GetFullPath(path))!;
        var hops = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }

            if (part == ".")
            {
                continue;
            }

            var next = Path.Combine(current, part);
            var target = new FileInfo(next).LinkTarget;
            if (target is null)
            {
                current = next;
                continue;
            }

            if (++hops > MaxLinkHops)
            {
                throw new IOException($"The symbolic links under '{next}' loop or nest more than {MaxLinkHops} deep.");
            }

            if (Path.IsPathRooted(target))
            {
                current = Path.GetPathRoot(target)!;
            }

            foreach (var item in Enumerable.Reverse(target.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries)))
            {
                pending.Push(item);
            }
        }

        return current;
    }

    /// <summary>Whether <paramref name="path"/>, links followed, lies strictly inside one of <paramref name="folders"/> (links followed too).</summary>
    /// <exception cref="IOException">The links loop.</exception>
    public static bool IsInside(string path, params IEnumerable<string> folders)
    {
        ArgumentNullException.ThrowIfNull(folders);
        var real = GetRealPath(path);
        return folders.Select(GetRealPath).Any(folder => real.StartsWith(Path.EndsInDirectorySeparator(folder) ? folder : folder + Path.DirectorySeparatorChar, StringComparison.Ordinal));
    }
}
