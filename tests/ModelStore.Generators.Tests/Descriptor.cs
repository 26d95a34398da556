using System.Text;

namespace ModelStore.Generators.Tests;

/// <summary>
/// One state's <c>[state]</c> section of the descriptor file, as the ModelStore.Build task writes it; <see cref="File"/>
/// puts sections together into the file's text.
/// </summary>
internal sealed record Descriptor(string Key, string Store = "local", string? Sha256 = null, long Size = 1234, string? Accessor = null, string? Output = null, string? Item = null)
{
    /// <summary>Where the task writes the descriptor file (under obj/), as an absolute path.</summary>
    public const string FilePath = "/project/obj/Debug/net10.0/modelstates/states.modelstates";

    public const string Header = "# modelstates v1\n";

    public string Sha => Sha256 ?? Hash(Key);

    /// <summary>The file this state's section is written into.</summary>
    public string Path => FilePath;

    /// <summary>The section: line 0 <c>[state]</c>, 1 key, 2 store, 3 sha256, 4 size, then accessor, output, item.</summary>
    public string Section
    {
        get
        {
            var text = new StringBuilder("[state]\n")
                .Append("key=").Append(Key).Append('\n')
                .Append("store=").Append(Store).Append('\n')
                .Append("sha256=").Append(Sha).Append('\n')
                .Append("size=").Append(Size).Append('\n');
            if (Accessor is not null)
            {
                text.Append("accessor=").Append(Accessor).Append('\n');
            }

            if (Output is not null)
            {
                text.Append("output=").Append(Output).Append('\n');
            }

            return text.Append("item=").Append(Item ?? Key).Append('\n').ToString();
        }
    }

    /// <summary>The text of a descriptor file holding <paramref name="states"/> in that order.</summary>
    public static string File(params IEnumerable<Descriptor> states) => Header + string.Concat(states.Select(static state => state.Section));

    /// <summary>The zero-based line in <see cref="File"/>(<paramref name="file"/>) of line <paramref name="line"/> of this state's section.</summary>
    public int LineIn(IReadOnlyList<Descriptor> file, int line)
    {
        var index = file.ToList().IndexOf(this);
        Assert.IsGreaterThanOrEqualTo(0, index, $"{Key} is not in the file");
        return 1 + file.Take(index).Sum(static state => state.Section.Count(static c => c == '\n')) + line;
    }

    /// <summary>A distinct, valid SHA-256 per key (the generator never hashes bytes, it only carries the value).</summary>
    public static string Hash(string seed) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(seed)));
}
