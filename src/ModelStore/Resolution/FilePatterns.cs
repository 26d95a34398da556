using System.Text;
using System.Text.RegularExpressions;
using ModelStore.Stores;

namespace ModelStore.Resolution;

/// <summary>
/// The files of a bundle state: <c>;</c>-separated paths or globs relative to the store's root (a <c>ModelState</c>'s
/// <c>Files</c>, <c>modelstore pull --include/--exclude</c>). <c>*</c> matches within one folder name, <c>?</c> one
/// character of it, <c>**</c> any number of folders (<c>**/*.json</c>); a pattern starting with <c>!</c> excludes what
/// it matches. A file is in the bundle when an include matches it and no exclude does.
/// </summary>
public sealed class FilePatterns
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);
    private readonly List<(string Text, Regex Regex)> _includes = [];
    private readonly List<(string Text, Regex Regex)> _excludes = [];

    /// <summary>Parses patterns.</summary>
    /// <param name="patterns">Each a path or glob; one starting with <c>!</c> excludes.</param>
    /// <exception cref="ArgumentException">No include, or a pattern is not a relative <c>/</c>-separated path (absolute, <c>..</c>, <c>\</c>, control character).</exception>
    public FilePatterns(IEnumerable<string> patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        var texts = new List<string>();
        foreach (var raw in patterns)
        {
            var text = (raw ?? throw new ArgumentException("A file pattern is null.", nameof(patterns))).Trim();
            if (text.Length == 0)
            {
                continue;
            }

            var exclude = text.StartsWith('!');
            var pattern = exclude ? text[1..] : text;
            if (LockFileRules.FilePathProblem(pattern) is { } problem)
            {
                throw new ArgumentException($"The file pattern '{Stores.StateStoreSettings.Printable(text)}' {problem}.", nameof(patterns));
            }

            (exclude ? _excludes : _includes).Add((pattern, ToRegex(pattern)));
            texts.Add(text);
        }

        if (_includes.Count == 0)
        {
            throw new ArgumentException("A bundle names at least one file or glob to include (Files=\"onnx/model.onnx;tokenizer.json\").", nameof(patterns));
        }

        Patterns = texts;
    }

    /// <summary>The patterns as given (excludes with their <c>!</c>), trimmed, empty ones dropped.</summary>
    public IReadOnlyList<string> Patterns { get; }

    /// <summary>Parses <c>;</c>-separated patterns (a <c>Files</c> metadata value).</summary>
    /// <exception cref="ArgumentException">See <see cref="FilePatterns(IEnumerable{string})"/>.</exception>
    public static FilePatterns Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new FilePatterns(text.Split(';'));
    }

    /// <summary>Whether <paramref name="path"/> is in the bundle.</summary>
    public bool IsMatch(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return _includes.Any(include => include.Regex.IsMatch(path)) && !_excludes.Any(exclude => exclude.Regex.IsMatch(path));
    }

    /// <summary>
    /// The listed files in the bundle, sorted by path. An include that matches no listed file is an error: a literal
    /// path names a file the store lacks, a glob is likely a typo; either way the bundle would silently miss a file.
    /// </summary>
    /// <exception cref="StateResolutionException"><see cref="ResolutionFailureKind.NotInStore"/>: an include matched nothing (the message names it and some of the files there are).</exception>
    public IReadOnlyList<StoreFile> Select(IEnumerable<StoreFile> files, string storeDescription)
    {
        ArgumentNullException.ThrowIfNull(files);
        var listed = files.ToList();
        foreach (var (text, regex) in _includes)
        {
            if (!listed.Any(file => regex.IsMatch(file.Path)))
            {
                var some = string.Join(", ", listed.Take(8).Select(file => file.Path));
                throw new StateResolutionException(new ResolutionFailure(ResolutionFailureKind.NotInStore, $"The file pattern '{text}' matches no file of {storeDescription}{(listed.Count == 0 ? " (it has no files)" : $"; it has {listed.Count} file(s), such as {some}")}.", StateStoreError.NotFound));
            }
        }

        return [.. listed.Where(file => IsMatch(file.Path)).OrderBy(file => file.Path, StringComparer.Ordinal)];
    }

    /// <inheritdoc />
    public override string ToString() => string.Join(';', Patterns);

    private static Regex ToRegex(string pattern)
    {
        var builder = new StringBuilder("^");
        var segments = pattern.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            var last = i == segments.Length - 1;
            if (segments[i] == "**")
            {
                // Any number of folders (zero included); at the end, anything below.
                builder.Append(last ? ".*" : "(?:[^/]+/)*");
                continue;
            }

            foreach (var c in segments[i])
            {
                builder.Append(c switch
                {
                    '*' => "[^/]*",
                    '?' => "[^/]",
                    _ => Regex.Escape(c.ToString()),
                });
            }

            if (!last)
            {
                builder.Append('/');
            }
        }

        return new Regex(builder.Append('$').ToString(), RegexOptions.CultureInvariant | RegexOptions.Singleline, MatchTimeout);
    }
}
