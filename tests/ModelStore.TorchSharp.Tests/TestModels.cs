using TorchSharp;
using static TorchSharp.torch;

namespace ModelStore.TorchSharp.Tests;

/// <summary>The TorchSharp twins of the architectures in Fixtures/pytorch_fixtures.py (same state-dict names).</summary>
internal static class TestModels
{
    public static nn.Module<Tensor, Tensor> Build(string architecture, int classes = 3) => architecture switch
    {
        "mlp" => nn.Sequential(("0", nn.Linear(8, 16)), ("1", nn.ReLU()), ("2", nn.Linear(16, 4))),
        "cnn" => nn.Sequential(
            ("0", nn.Conv2d(3, 4, 3, padding: 1)),
            ("1", nn.BatchNorm2d(4)),
            ("2", nn.ReLU()),
            ("3", nn.Flatten()),
            ("4", nn.Linear(4 * 6 * 6, classes))),
        "residual" => new Residual(4),
        _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture, null),
    };

    public static long[] InputShape(string architecture) => architecture switch
    {
        "mlp" => [2, 8],
        "cnn" => [2, 3, 6, 6],
        "residual" => [2, 4, 5, 5],
        _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture, null),
    };

    public static ScalarType DType(string name) => name switch
    {
        "float32" => ScalarType.Float32,
        "float16" => ScalarType.Float16,
        "bfloat16" => ScalarType.BFloat16,
        "int64" => ScalarType.Int64,
        "float64" => ScalarType.Float64,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    public static string DTypeName(ScalarType type) => type switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.Float16 => "float16",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Int64 => "int64",
        ScalarType.Float64 => "float64",
        _ => type.ToString(),
    };

    /// <summary>Runs a few training-mode batches so BatchNorm has real running statistics, then switches to eval.</summary>
    public static void Warm(nn.Module<Tensor, Tensor> model, string architecture, long seed)
    {
        manual_seed(seed);
        model.train();
        using (no_grad())
        {
            for (var i = 0; i < 3; i++)
            {
                using var x = randn([4, .. InputShape(architecture)[1..]]);
                using var y = model.forward(x);
            }
        }

        model.eval();
    }

    private sealed class Residual : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> conv1;
        private readonly nn.Module<Tensor, Tensor> bn1;
        private readonly nn.Module<Tensor, Tensor> conv2;
        private readonly nn.Module<Tensor, Tensor> bn2;

        public Residual(int channels)
            : base(nameof(Residual))
        {
            conv1 = nn.Conv2d(channels, channels, 3, padding: 1, bias: false);
            bn1 = nn.BatchNorm2d(channels);
            conv2 = nn.Conv2d(channels, channels, 3, padding: 1, bias: false);
            bn2 = nn.BatchNorm2d(channels);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            using var a = conv1.forward(input);
            using var b = bn1.forward(a);
            using var c = nn.functional.relu(b);
            using var d = conv2.forward(c);
            using var e = bn2.forward(d);
            using var f = e + input;
            return nn.functional.relu(f);
        }
    }
}
