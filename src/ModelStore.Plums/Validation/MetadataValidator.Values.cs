using System.Text;
using ModelStore.Plums.Yaml;

namespace ModelStore.Plums.Validation;

/// <summary>The typed leaf values of the PMF metadata schema.</summary>
internal sealed partial class MetadataValidator
{
    private string? String(YNode? node, string location, bool nullable)
    {
        switch (node)
        {
            case null:
                return null;
            case YScalar { Kind: YScalarKind.String } s:
                return s.Text;
            case YScalar { Kind: YScalarKind.Null } when nullable:
                return null;
            default:
                Offend(location, nullable ? "expected a string or null" : "expected a string", node);
                return null;
        }
    }

    private string? PathValue(YNode? node, string location)
    {
        var path = String(node, location, nullable: false);
        if (path is null)
        {
            return null;
        }

        var problem = PathProblem(path);
        if (problem is not null)
        {
            Offend(location, "Invalid Pathname provided: " + problem, node);
            return null;
        }

        return path;
    }

    internal static string? PathProblem(string path)
    {
        if (path.Length == 0)
        {
            return "it is empty";
        }

        if (path.Contains('\0', StringComparison.Ordinal))
        {
            return "it contains a NUL character";
        }

        if (path.StartsWith('/') || path.StartsWith('\\') || System.IO.Path.IsPathRooted(path))
        {
            return "it must be relative to the model folder";
        }

        var parts = path.Split('/', '\\');
        if (parts.Any(p => p == ".."))
        {
            return "it must not leave the model folder ('..')";
        }

        return parts.Any(p => Encoding.UTF8.GetByteCount(p) > 255) ? "a part is longer than 255 bytes" : null;
    }

    private string? Hash(YNode? node, string location)
    {
        var hash = String(node, location, nullable: false);
        if (hash is not null && !Md5.IsValid(hash))
        {
            Offend(location, "Invalid file checksum provided: Expected a valid MD5 hash.", node);
            return null;
        }

        return hash;
    }

    private double? Time(YNode? node, string location)
    {
        switch (node)
        {
            case null or YScalar { Kind: YScalarKind.Null }:
                return null;
            case YScalar { IsNumber: true } number:
                return number.NumberValue;
            default:
                Offend(location, "expected a number (int or float) or null", node);
                return null;
        }
    }

    private int? Epoch(YNode? node, string location, bool nullable)
    {
        switch (node)
        {
            case null:
                return null;
            case YScalar { Kind: YScalarKind.Null } when nullable:
                return null;
            case YScalar { Kind: YScalarKind.Int } i when i.IntValue >= int.MinValue && i.IntValue <= int.MaxValue:
                return (int)i.IntValue;
            case YScalar { Kind: YScalarKind.Int }:
                Offend(location, "epoch out of range", node);
                return null;
            default:
                Offend(location, nullable ? "expected an int or null" : "expected an int", node);
                return null;
        }
    }

    private CheckpointReference? Reference(YNode? node, string location, bool nullable)
    {
        switch (node)
        {
            case null:
                return null;
            case YScalar { Kind: YScalarKind.Null } when nullable:
                return null;
            case YScalar { Kind: YScalarKind.String } s:
                return new CheckpointReference(s.Text);
            case YScalar { Kind: YScalarKind.Int } i when i.IntValue >= long.MinValue && i.IntValue <= long.MaxValue:
                return new CheckpointReference((long)i.IntValue);
            default:
                Offend(location, nullable ? "expected a checkpoint reference (str or int) or null" : "expected a checkpoint reference (str or int)", node);
                return null;
        }
    }
}
