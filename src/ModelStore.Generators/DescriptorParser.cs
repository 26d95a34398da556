using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.IO;
using ModelStore.Generators.Helpers;
using ModelStore.Generators.Model;

namespace ModelStore.Generators;

/// <summary>
/// Reads the descriptor file the ModelStore.Build task writes into obj/…/modelstates/ (<c>states.modelstates</c>), one
/// <c>[state]</c> section per resolved <c>ModelState</c> item:
/// <code>
/// # modelstates v1
/// [state]
/// key=pytorch/tiny-mlp.digits.v1
/// store=local
/// sha256=(64 hexadecimal digits)
/// size=12345
/// accessor=Digits                                   (optional)
/// output=modelstates/pytorch.tiny-mlp.digits.v1.pt  (optional)
/// statedict=model                                   (optional: the state dict inside a checkpoint)
/// files={sha256}:{size}:{path}\t...                 (a bundle: its files, tab-separated; sha256 is then their manifest's)
/// item=pytorch/tiny-mlp.digits.v1                   (the item's Include, for messages)
/// [state]
/// ...
/// </code>
/// One <c>name=value</c> per line, in any order within a section; unknown names, blank lines and <c>#</c> comments are
/// ignored. Each section is checked on its own, so one bad section costs only its state; its diagnostics point at the
/// line in the file.
/// </summary>
internal static class DescriptorParser
{
    public const string Extension = ".modelstates";
    public const string Header = "# modelstates v1";
    public const string Section = "[state]";

    private static readonly string[] RequiredFields = { "key", "store", "sha256", "size" };
    private static readonly HashSet<string> KnownFields = new(StringComparer.Ordinal) { "key", "store", "sha256", "size", "accessor", "output", "item", "statedict", "files" };

    public static bool IsDescriptor(string path) => path.EndsWith(Extension, StringComparison.OrdinalIgnoreCase);

    /// <summary>One result per section of the file (or one for a file that cannot be read as a whole).</summary>
    public static ImmutableArray<DescriptorParseResult> Parse(string path, string? text)
    {
        var fileName = Path.GetFileName(path);
        if (text is null)
        {
            return ImmutableArray.Create(Malformed(path, fileName, 0, "it cannot be read"));
        }

        var lines = text.Split('\n');
        if (!string.Equals(lines[0].TrimStart('\uFEFF').TrimEnd('\r').Trim(), Header, StringComparison.Ordinal))
        {
            return ImmutableArray.Create(Malformed(path, fileName, 0, $"its first line must be '{Header}' (this generator reads version 1 descriptor files only)"));
        }

        var results = ImmutableArray.CreateBuilder<DescriptorParseResult>();
        var sectionStart = -1;
        for (var i = 1; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r').Trim();
            if (line == Section)
            {
                if (sectionStart >= 0)
                {
                    results.Add(ParseSection(path, fileName, lines, sectionStart, i));
                }

                sectionStart = i;
            }
            else if (sectionStart < 0 && line.Length > 0 && !line.StartsWith("#", StringComparison.Ordinal) && results.Count == 0)
            {
                // Before the first section only comments may stand; the sections after it are still read.
                results.Add(Malformed(path, fileName, i, $"line {i + 1} is outside a '{Section}' section"));
            }
        }

        if (sectionStart >= 0)
        {
            results.Add(ParseSection(path, fileName, lines, sectionStart, lines.Length));
        }

        return results.ToImmutable();
    }

    /// <summary>The state of the section whose <c>[state]</c> line is <paramref name="start"/>, up to (not including) line <paramref name="end"/>.</summary>
    private static DescriptorParseResult ParseSection(string path, string fileName, string[] lines, int start, int end)
    {
        // Every line is read before reporting, so that a problem on any line can name the item given on another.
        var fields = new Dictionary<string, (string Value, int Line)>(StringComparer.Ordinal);
        (int Line, string Problem)? firstProblem = null;
        for (var i = start + 1; i < end; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith("#", StringComparison.Ordinal))
            {
                continue;
            }

            var equals = line.IndexOf('=');
            if (equals <= 0)
            {
                firstProblem ??= (i, $"line {i + 1} is not 'name=value'");
                continue;
            }

            var name = line.Substring(0, equals).Trim();
            if (!KnownFields.Contains(name))
            {
                continue;
            }

            if (fields.TryGetValue(name, out var earlier))
            {
                firstProblem ??= (i, $"'{name}' is given twice (lines {earlier.Line + 1} and {i + 1})");
                continue;
            }

            fields[name] = (line.Substring(equals + 1), i);
        }

        var item = ItemOf(fields, fileName);
        if (firstProblem is { } structural)
        {
            return Malformed(path, item, structural.Line, structural.Problem);
        }

        foreach (var required in RequiredFields)
        {
            if (!fields.TryGetValue(required, out var field) || field.Value.Trim().Length == 0)
            {
                return Malformed(path, item, start, $"the '{required}=' line is missing or empty");
            }
        }

        var key = fields["key"];
        if (!StateKeyRules.TryParseKey(key.Value, out _, out var keyError))
        {
            return Result(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidKey, path, key.Line, item, key.Value, keyError!));
        }

        var sha256 = fields["sha256"];
        if (!IsSha256(sha256.Value.Trim()))
        {
            return Malformed(path, item, sha256.Line, $"sha256 '{sha256.Value}' is not 64 hexadecimal digits");
        }

        var size = fields["size"];
        if (!long.TryParse(size.Value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var bytes))
        {
            return Malformed(path, item, size.Line, $"size '{size.Value}' is not a whole number of bytes");
        }

        var output = Optional(fields, "output");
        if (output is not null)
        {
            output = output.Replace('\\', '/');
            if (output.StartsWith("/", StringComparison.Ordinal) || (output.Length > 1 && output[1] == ':'))
            {
                return Malformed(path, item, fields["output"].Line, $"output '{output}' is not a path relative to the output folder");
            }
        }

        EquatableArray<BundleFileSpec>? files = null;
        if (Optional(fields, "files") is { } filesText)
        {
            var parsed = ParseFiles(filesText);
            if (parsed is null)
            {
                return Malformed(path, item, fields["files"].Line, "files is not a tab-separated list of {sha256}:{size}:{relative path}");
            }

            files = parsed;
        }

        var accessor = Optional(fields, "accessor");
        var descriptor = new StateDescriptor(
            path,
            item,
            key.Value,
            fields["store"].Value.Trim(),
            sha256.Value.Trim().ToLowerInvariant(),
            bytes,
            accessor,
            accessor is null ? key.Line : fields["accessor"].Line,
            output)
        {
            StateDictPath = Optional(fields, "statedict"),
            Files = files,
        };
        return new DescriptorParseResult(descriptor, EquatableArray<DiagnosticInfo>.Empty);
    }

    // {sha256}:{size}:{path} entries separated by tabs (a path has no control character, so no tab).
    private static EquatableArray<BundleFileSpec>? ParseFiles(string text)
    {
        var files = ImmutableArray.CreateBuilder<BundleFileSpec>();
        foreach (var entry in text.Split('\t'))
        {
            var first = entry.IndexOf(':');
            var second = first < 0 ? -1 : entry.IndexOf(':', first + 1);
            if (second < 0 || !IsSha256(entry.Substring(0, first))
                || !long.TryParse(entry.Substring(first + 1, second - first - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var size))
            {
                return null;
            }

            var relative = entry.Substring(second + 1);
            if (relative.Length == 0 || relative.StartsWith("/", StringComparison.Ordinal) || relative.IndexOf('\\') >= 0
                || Array.Exists(relative.Split('/'), part => part.Length == 0 || part == "." || part == ".."))
            {
                return null;
            }

            files.Add(new BundleFileSpec(relative, entry.Substring(0, first).ToLowerInvariant(), size));
        }

        return new EquatableArray<BundleFileSpec>(files.ToImmutable());
    }

    private static string ItemOf(Dictionary<string, (string Value, int Line)> fields, string fileName) =>
        fields.TryGetValue("item", out var item) && item.Value.Trim().Length > 0 ? item.Value.Trim()
        : fields.TryGetValue("key", out var key) && key.Value.Trim().Length > 0 ? key.Value.Trim()
        : fileName;

    private static string? Optional(Dictionary<string, (string Value, int Line)> fields, string name) =>
        fields.TryGetValue(name, out var field) && field.Value.Trim().Length > 0 ? field.Value.Trim() : null;

    private static bool IsSha256(string text)
    {
        if (text.Length != 64)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!(c is >= '0' and <= '9' or >= 'a' and <= 'f' or >= 'A' and <= 'F'))
            {
                return false;
            }
        }

        return true;
    }

    private static DescriptorParseResult Malformed(string path, string item, int line, string problem) =>
        Result(DiagnosticInfo.Create(DiagnosticDescriptors.MalformedDescriptor, path, line, item, path, problem));

    private static DescriptorParseResult Result(DiagnosticInfo diagnostic) =>
        new(null, new[] { diagnostic }.ToEquatableArray());
}
