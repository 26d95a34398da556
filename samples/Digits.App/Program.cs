// Reads every state the project declares through the generated accessors (OpenRead() finds the bytes in the
// output folder or the machine-wide cache and verifies size and SHA-256), then loads the trained weights into
// the same TorchSharp model the trainer used and classifies generated digits.
using System.Security.Cryptography;
using Digits;
using ModelStore;
using ModelStore.TorchSharp;

foreach (var state in ModelStates.All)
{
    using var stream = state.OpenRead();
    var sha256 = Convert.ToHexStringLower(SHA256.HashData(stream));
    Console.WriteLine($"{state.Key}  {state.Size} bytes  sha256 {sha256} (verified)");
}

var (features, labels) = DigitsData.Generate(1000, seed: 2); // the trainer's test set
foreach (var state in new PretrainedState[] { ModelStates.TinyMlpDigitsEarly, ModelStates.Digits })
{
    using var model = new DigitsModel();
    state.LoadInto(model);
    var (accuracy, _) = model.Evaluate(features, labels);
    Console.WriteLine($"{state.Key}: accuracy {accuracy:P1} on {labels.Length} generated test digits");
}

using var trained = new DigitsModel();
ModelStates.Digits.LoadInto(trained);

var (_, predictions) = trained.Evaluate(features, labels);
for (var sample = 0; sample < 3; sample++)
{
    Console.WriteLine($"\nsample {sample}: label {labels[sample]}, predicted {predictions[sample]}");
    Console.Write(DigitsData.Render(features.AsSpan(sample * DigitsData.Pixels, DigitsData.Pixels)));
}
