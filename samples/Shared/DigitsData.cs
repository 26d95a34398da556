namespace Digits;

/// <summary>
/// A generated data set of 8×8 digit images: each sample is one of ten glyphs, shifted by up to one pixel,
/// with pixels flipped and noise added. Deterministic for a given seed, so the trainer and the app agree.
/// </summary>
public static class DigitsData
{
    public const int Pixels = 64;
    public const int Classes = 10;

    private static readonly string[] Glyphs =
    [
        "..####..|.#....#.|.#...##.|.#..#.#.|.#.#..#.|.##...#.|.#....#.|..####..", // 0
        "...##...|..###...|...##...|...##...|...##...|...##...|...##...|..####..", // 1
        "..####..|.#....#.|......#.|.....#..|....#...|...#....|..#.....|.######.", // 2
        "..####..|.#....#.|......#.|...###..|......#.|......#.|.#....#.|..####..", // 3
        ".....#..|....##..|...#.#..|..#..#..|.#...#..|.######.|.....#..|.....#..", // 4
        ".######.|.#......|.#......|.#####..|......#.|......#.|.#....#.|..####..", // 5
        "...###..|..#.....|.#......|.#####..|.#....#.|.#....#.|.#....#.|..####..", // 6
        ".######.|......#.|.....#..|....#...|...#....|...#....|...#....|...#....", // 7
        "..####..|.#....#.|.#....#.|..####..|.#....#.|.#....#.|.#....#.|..####..", // 8
        "..####..|.#....#.|.#....#.|.#....#.|..#####.|......#.|.....#..|..###...", // 9
    ];

    /// <summary>Generates <paramref name="count"/> samples: features (count × 64, values around 0..1) and labels.</summary>
    public static (float[] Features, long[] Labels) Generate(int count, int seed)
    {
        var random = new Random(seed);
        var features = new float[count * Pixels];
        var labels = new long[count];
        for (var sample = 0; sample < count; sample++)
        {
            var label = random.Next(Classes);
            labels[sample] = label;
            var rows = Glyphs[label].Split('|');
            var (dx, dy) = (random.Next(-1, 2), random.Next(-1, 2));
            for (var y = 0; y < 8; y++)
            {
                for (var x = 0; x < 8; x++)
                {
                    var (sx, sy) = (x - dx, y - dy);
                    var on = sx is >= 0 and < 8 && sy is >= 0 and < 8 && rows[sy][sx] == '#';
                    if (random.NextDouble() < 0.08)
                    {
                        on = !on;
                    }

                    features[(sample * Pixels) + (y * 8) + x] = (on ? 1f : 0f) + (float)((random.NextDouble() - 0.5) * 0.3);
                }
            }
        }

        return (features, labels);
    }

    /// <summary>The sample as 8 lines of text, for printing.</summary>
    public static string Render(ReadOnlySpan<float> pixels)
    {
        var text = new System.Text.StringBuilder();
        for (var y = 0; y < 8; y++)
        {
            for (var x = 0; x < 8; x++)
            {
                text.Append(pixels[(y * 8) + x] > 0.5f ? '#' : '.');
            }

            text.Append('\n');
        }

        return text.ToString();
    }
}
