using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelStore.Arrow.TorchSharp.Tests;

/// <summary>
/// A small CNN in the manner of LegolasFlux's digits example: Conv, BatchNorm, Conv, Dense, and a Dense layer
/// whose weight and bias are tied to another's (one tensor under two names).
/// </summary>
internal sealed class DigitsNet : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> conv1;
    private readonly nn.Module<Tensor, Tensor> norm;
    private readonly nn.Module<Tensor, Tensor> conv2;
    private readonly nn.Module<Tensor, Tensor> dense;
    private readonly Linear shared;
    private readonly Linear tied;

    public DigitsNet(long seed, int hidden = 10, bool extraLayer = false, ScalarType dtype = ScalarType.Float32)
        : base(nameof(DigitsNet))
    {
        random.manual_seed(seed);
        conv1 = nn.Conv2d(1, 8, 3, dtype: dtype);
        norm = nn.BatchNorm2d(8, dtype: dtype);
        conv2 = nn.Conv2d(8, 4, 3, dtype: dtype);
        dense = nn.Linear(4 * 10 * 10, hidden, dtype: dtype);
        shared = nn.Linear(hidden, hidden, dtype: dtype);
        tied = nn.Linear(hidden, hidden, dtype: dtype);
        tied.weight = shared.weight;
        tied.bias = shared.bias;
        Extra = extraLayer ? nn.Linear(hidden, hidden, dtype: dtype) : null;
        RegisterComponents();
    }

    public nn.Module<Tensor, Tensor>? Extra { get; }

    public Linear Shared => shared;

    public Linear Tied => tied;

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = nn.functional.relu(norm.forward(conv1.forward(input)));
        x = nn.functional.relu(conv2.forward(x)).flatten(1);
        x = shared.forward(nn.functional.relu(dense.forward(x)));
        x = tied.forward(nn.functional.relu(x));
        if (Extra is not null)
        {
            x = Extra.forward(x);
        }

        return nn.functional.softmax(x, 1).MoveToOuterDisposeScope();
    }

    /// <summary>A few training-mode passes so the BatchNorm running statistics move away from their initial values.</summary>
    public void WarmUp(Tensor input)
    {
        train();
        for (var i = 0; i < 3; i++)
        {
            using var output = forward(input * (i + 1));
        }

        eval();
    }
}
