//! Names the field where serde_json stopped: a small scanner over the JSON
//! before that point, which tracks the keys and indices of what is open.

/// The JSON path (`traits.age`, `verifiable_addresses[0].via`) of the value
/// being read at byte `offset`: the keys and indices of the objects and
/// arrays open there, and the last key read in the innermost object. `None`
/// at the top level. serde_json stops just after the value that failed, or
/// after the `}` of an object that lacks a field, so this names the field,
/// or the object, that did not fit.
pub(super) fn json_path_at(json: &[u8], offset: usize) -> Option<String> {
    enum Frame {
        Object { key: Option<String> },
        Array { index: usize },
    }
    let mut stack: Vec<Frame> = Vec::new();
    let mut expecting_key = false;
    let mut i = 0;
    let end = offset.min(json.len());
    while i < end {
        match json[i] {
            b'{' => {
                stack.push(Frame::Object { key: None });
                expecting_key = true;
            }
            b'[' => {
                stack.push(Frame::Array { index: 0 });
                expecting_key = false;
            }
            b'}' | b']' => {
                stack.pop();
                expecting_key = false;
            }
            b',' => match stack.last_mut() {
                Some(Frame::Array { index }) => *index += 1,
                Some(Frame::Object { key }) => {
                    *key = None;
                    expecting_key = true;
                }
                None => {}
            },
            b'"' => {
                let start = i + 1;
                i = start;
                while i < json.len() && json[i] != b'"' {
                    i += if json[i] == b'\\' { 2 } else { 1 };
                }
                if expecting_key && let Some(Frame::Object { key }) = stack.last_mut() {
                    let raw = json.get(start..i.min(json.len())).unwrap_or_default();
                    *key = Some(
                        serde_json::from_slice::<String>(&[b"\"", raw, b"\""].concat())
                            .unwrap_or_else(|_| String::from_utf8_lossy(raw).into_owned()),
                    );
                    expecting_key = false;
                }
            }
            _ => {}
        }
        i += 1;
    }
    let mut path = String::new();
    for frame in &stack {
        match frame {
            Frame::Object { key: Some(key) } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Frame::Object { key: None } => {}
            Frame::Array { index } => path.push_str(&format!("[{index}]")),
        }
    }
    Some(path).filter(|p| !p.is_empty())
}
