using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Digits;

/// <summary>The tiny MLP of the sample: 64 pixels → 32 hidden (ReLU) → 10 classes. State type <c>pytorch/tiny-mlp.digits</c>.</summary>
public sealed class DigitsModel : nn.Module<Tensor, Tensor>
{
    private readonly Linear hidden;
    private readonly Linear output;

    public DigitsModel()
        : base(nameof(DigitsModel))
    {
        hidden = nn.Linear(DigitsData.Pixels, 32);
        output = nn.Linear(32, DigitsData.Classes);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => output.forward(nn.functional.relu(hidden.forward(input)));

    /// <summary>The fraction of <paramref name="labels"/> the model predicts, and the predictions.</summary>
    public (double Accuracy, long[] Predictions) Evaluate(float[] features, long[] labels)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        eval();
        var predicted = forward(tensor(features).reshape(labels.Length, DigitsData.Pixels)).argmax(1).data<long>().ToArray();
        var correct = predicted.Zip(labels).Count(pair => pair.First == pair.Second);
        return ((double)correct / labels.Length, predicted);
    }
}
