//! The module tree of an architecture without a class tree here, derived from the checkpoint's tensor names.

use std::collections::BTreeMap;

use super::{Module, is_base_parameter};
use crate::model::weights::TensorInfo;

/// A tree from tensor names, for architectures this module has no class tree for.
pub(super) fn from_tensor_names(tensors: &[TensorInfo], eps: f64) -> Module {
    #[derive(Default)]
    struct Node {
        children: BTreeMap<String, Node>,
        tensors: BTreeMap<String, Vec<usize>>,
    }
    let mut root = Node::default();
    for t in tensors.iter().filter(|t| is_base_parameter(&t.name)) {
        let parts: Vec<&str> = t.name.split('.').collect();
        let Some((last, path)) = parts.split_last() else {
            continue;
        };
        let mut node = &mut root;
        for part in path {
            node = node.children.entry(part.to_string()).or_default();
        }
        node.tensors.insert(last.to_string(), t.shape.clone());
    }
    fn build(node: &Node, name: &str, eps: f64) -> Module {
        let weight = node.tensors.get("weight");
        if node.children.is_empty() && node.tensors.len() <= 2 {
            let bias = node.tensors.contains_key("bias");
            match weight.map(Vec::as_slice) {
                Some(&[rows, cols]) if name.contains("emb") || name == "wte" || name == "wpe" => {
                    return Module::embedding(rows as u64, cols as u64, None);
                }
                Some(&[out, inp]) => return Module::linear(inp as u64, out as u64, bias),
                Some(&[dim]) if bias => return Module::layer_norm(dim as u64, eps),
                Some(&[dim]) => return Module::rms_norm("RMSNorm", dim as u64, eps),
                _ => {}
            }
        }
        let mut module = Module {
            class: "Module".into(),
            extra: String::new(),
            parameters: node
                .tensors
                .values()
                .map(|s| s.iter().product::<usize>() as u64)
                .sum(),
            children: Vec::new(),
        };
        let numbered =
            !node.children.is_empty() && node.children.keys().all(|k| k.parse::<usize>().is_ok());
        let mut children: Vec<(&String, &Node)> = node.children.iter().collect();
        if numbered {
            children.sort_by_key(|(k, _)| k.parse::<usize>().unwrap_or(usize::MAX));
            module.class = "ModuleList".into();
        }
        module.children = children
            .into_iter()
            .map(|(k, child)| (k.clone(), build(child, k, eps)))
            .collect();
        module
    }
    build(&root, "", eps)
}
