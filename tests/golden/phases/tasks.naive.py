# stochdiff naive estimator for tasks.sd
# streams (each draws independently of the others):
#   s1: E[t] at line 9: draws t ~ choice
#   s2: E[zv] at line 9, inside s1: draws zv ~ minibatch
#   s3: E[z] at line 9, inside s1: draws z ~ minibatch
def estimate(P, D, S, C, F):
    v0 = P['theta']                                           # 2:7 param theta
    v1 = D['T']                                               # 3:6 data T
    v2 = C[0]                                                 # 4:7 const eta = 0.1
    v3 = S.draw(1, 0, 'choice', (), (v1,))                    # 6:1 stream s1: draw t for E[t]
    v4 = k_field(v3, 'val', 2)                                # 8:23 field
    v5 = S.draw(2, 0, 'minibatch', (1,), (v4,))               # 8:1 stream s2: draw zv for E[zv]
    v6 = k_field(v5, 'x', 3)                                  # 5:24 field
    v7 = k_field(v3, 'train', 2)                              # 7:22 field
    v8 = S.draw(3, 0, 'minibatch', (1,), (v7,))               # 7:1 stream s3: draw z for E[z]
    v9 = k_field(v8, 'x', 3)                                  # 5:24 field
    v10 = k_matmul(v9, lift(v0, 1, 3), 3)                     # 5:24 matmul
    v11 = k_field(v8, 'y', 3)                                 # 5:34 field
    v12 = k_sub(v10, v11, 3)                                  # 5:24 sub
    v13 = C[1]                                                # 5:41 2
    v14 = k_pow(v12, lift(v13, 1, 3), 3)                      # 5:23 pow
    v15 = k_mean(v14, 3)                                      # 5:18 mean
    v16 = k_seed(v15, 3)                                      # 9:45 seed
    v17 = k_expand(v16, v14, 3)                               # 5:18 expand
    v18 = k_size(v14, 3)                                      # 5:18 size
    v19 = k_div(v17, v18, 3)                                  # 5:18 div
    v20 = k_mul(lift(v13, 1, 3), v12, 3)                      # 5:23 mul
    v21 = k_mul(v19, v20, 3)                                  # 5:23 mul
    v22 = k_unbroadcast(v21, v12, 3)                          # 5:23 unbroadcast
    v23 = k_unbroadcast(v22, v10, 3)                          # 5:24 unbroadcast
    v27 = k_matmul_gb(v23, v9, lift(v0, 1, 3), 3)             # 5:24 matmul_gb
    v28 = k_densify(v27, lift(v0, 1, 3), 3)                   # 9:45 densify
    v29 = S.mean(v28, 3)                                      # 9:40 average over stream s3 (E[z], line 9)
    v30 = k_mul(lift(v2, 1, 2), v29, 2)                       # 9:34 mul
    v31 = k_sub(lift(v0, 1, 2), v30, 2)                       # 9:26 sub
    v32 = k_matmul(v6, lift(v31, 2, 3), 3)                    # 5:24 matmul
    v33 = k_field(v5, 'y', 3)                                 # 5:34 field
    v34 = k_sub(v32, v33, 3)                                  # 5:24 sub
    v35 = k_pow(v34, lift(v13, 1, 3), 3)                      # 5:23 pow
    v36 = k_mean(v35, 3)                                      # 5:18 mean
    v37 = S.mean(v36, 2)                                      # 9:15 average over stream s2 (E[zv], line 9)
    v38 = S.mean(v37, 1)                                      # 9:10 average over stream s1 (E[t], line 9)
    v39 = k_seed(v38, 1)                                      # 9:1 seed
    v40 = k_expand(lift(v39, 1, 3), v35, 3)                   # 5:18 expand
    v41 = k_size(v35, 3)                                      # 5:18 size
    v42 = k_div(v40, v41, 3)                                  # 5:18 div
    v43 = k_mul(lift(v13, 1, 3), v34, 3)                      # 5:23 mul
    v44 = k_mul(v42, v43, 3)                                  # 5:23 mul
    v45 = k_unbroadcast(v44, v34, 3)                          # 5:23 unbroadcast
    v46 = k_unbroadcast(v45, v32, 3)                          # 5:24 unbroadcast
    v50 = k_matmul_gb(v46, v6, lift(v31, 2, 3), 3)            # 5:24 matmul_gb
    v51 = S.mean(v50, 2)                                      # 9:15 average over stream s2 (E[zv], line 9)
    v52 = k_unbroadcast(v51, lift(v0, 1, 2), 2)               # 9:26 unbroadcast
    v53 = k_neg(v51, 2)                                       # 9:26 neg
    v54 = k_unbroadcast(v53, v30, 2)                          # 9:26 unbroadcast
    v57 = k_mul(v54, lift(v2, 1, 2), 2)                       # 9:34 mul
    v58 = k_unbroadcast(v57, v29, 2)                          # 9:34 unbroadcast
    v59 = k_matmul(v9, lift(v58, 2, 3), 3)                    # 5:24 matmul
    v60 = k_unbroadcast(v59, v23, 3)                          # 5:24 unbroadcast
    v62 = k_broadcast_to(v60, v22, 3)                         # 5:24 broadcast_to
    v63 = k_broadcast_to(v62, v21, 3)                         # 5:23 broadcast_to
    v66 = k_mul(v63, v19, 3)                                  # 5:23 mul
    v67 = k_unbroadcast(v66, v20, 3)                          # 5:23 unbroadcast
    v70 = k_mul(v67, lift(v13, 1, 3), 3)                      # 5:23 mul
    v71 = k_unbroadcast(v70, v12, 3)                          # 5:23 unbroadcast
    v79 = k_unbroadcast(v71, v10, 3)                          # 5:24 unbroadcast
    v83 = k_matmul_gb(v79, v9, lift(v0, 1, 3), 3)             # 5:24 matmul_gb
    v84 = S.mean(v83, 3)                                      # 9:40 average over stream s3 (E[z], line 9)
    v85 = k_add(v52, v84, 2)                                  # 2:7 add
    v86 = S.mean(v85, 1)                                      # 9:10 average over stream s1 (E[t], line 9)
    v87 = k_densify(v86, v0, 1)                               # 9:1 densify
    return (v38, v87,)
