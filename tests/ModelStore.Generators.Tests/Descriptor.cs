using System.Text;

namespace ModelStore.Generators.Tests;

/// <summary>Builds the text of a <c>.modelstate</c> descriptor as the ModelStore.Build task writes it.</summary>
internal sealed record Descriptor(string Key, string Store = "local", string? Sha256 = null, long Size = 1234, string? Accessor = null, string? Output = null, string? Item = null)
{
    public string Sha => Sha256 ?? Hash(Key);

    /// <summary>Where the task would write it (under obj/), as an absolute path.</summary>
    public string Path => $"/project/obj/Debug/net10.0/modelstates/{Key.Replace('/', '.')}.modelstate";

    public string Text
    {
        get
        {
            var text = new StringBuilder("# modelstate v1\n")
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

    /// <summary>A distinct, valid SHA-256 per key (the generator never hashes bytes, it only carries the value).</summary>
    public static string Hash(string seed) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(seed)));
}
