namespace ModelStore.TorchSharp.IO;

/// <summary>The zip CRC-32 (IEEE 802.3, reflected 0xEDB88320), slice-by-8.</summary>
internal sealed class Crc32
{
    private static readonly uint[][] Tables = BuildTables();
    private uint _crc = 0xFFFFFFFF;

    public uint Value => ~_crc;

    public void Append(ReadOnlySpan<byte> data)
    {
        var crc = _crc;
        var t = Tables;
        while (data.Length >= 8)
        {
            var low = crc ^ (uint)(data[0] | (data[1] << 8) | (data[2] << 16) | (data[3] << 24));
            var high = (uint)(data[4] | (data[5] << 8) | (data[6] << 16) | (data[7] << 24));
            crc = t[7][low & 0xFF] ^ t[6][(low >> 8) & 0xFF] ^ t[5][(low >> 16) & 0xFF] ^ t[4][low >> 24]
                ^ t[3][high & 0xFF] ^ t[2][(high >> 8) & 0xFF] ^ t[1][(high >> 16) & 0xFF] ^ t[0][high >> 24];
            data = data[8..];
        }

        foreach (var b in data)
        {
            crc = t[0][(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        _crc = crc;
    }

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = new Crc32();
        crc.Append(data);
        return crc.Value;
    }

    private static uint[][] BuildTables()
    {
        var tables = new uint[8][];
        for (var k = 0; k < 8; k++)
        {
            tables[k] = new uint[256];
        }

        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var j = 0; j < 8; j++)
            {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            }

            tables[0][i] = c;
        }

        for (var i = 0; i < 256; i++)
        {
            for (var k = 1; k < 8; k++)
            {
                tables[k][i] = tables[0][tables[k - 1][i] & 0xFF] ^ (tables[k - 1][i] >> 8);
            }
        }

        return tables;
    }
}
